package dev.localbedrock.runtime.customization;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The checks a fine-tuning dataset passes before a job trains on it, in the guide's order and with its messages:
 * <ol>
 *   <li>the file is JSONL: every line one JSON object with exactly the keys {@code input} and {@code output}, both
 *   strings, no blank lines (a final newline is allowed) — else "Unable to parse Amazon S3 file: NAME. Data files
 *   must conform to JSONL format.";</li>
 *   <li>the record and size limits of its kind (training: 10 000 records, 1 GB; validation: 1 000 records,
 *   100 MB);</li>
 *   <li>each record's characters within the token limit × 6 (the guide approximates a token as six characters) —
 *   else "Input size exceeded in file NAME for record starting with …";</li>
 *   <li>the real token counts, with the model's tokenizer, within the limit at the job's batch size (4 096 at batch
 *   size 1, 2 048 at 2–4): the largest input, the largest output and the largest sum, each with the guide's
 *   message.</li>
 * </ol>
 * Pure: the caller reads the object (S3 or the local store) and supplies the tokenizer.
 */
public final class TrainingDataValidator {
    /** The guide's approximation of a token, in characters. */
    public static final int CHARACTERS_PER_TOKEN = 6;
    private static final int RECORD_PREFIX_CHARACTERS = 40;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Which dataset, and its limits. */
    public enum Kind {
        TRAINING(10_000, 1_000_000_000L), VALIDATION(1_000, 100_000_000L);

        final int maxRecords;
        final long maxBytes;

        Kind(int maxRecords, long maxBytes) {
            this.maxRecords = maxRecords;
            this.maxBytes = maxBytes;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One training example. */
    public record Example(String input, String output) {
    }

    private TrainingDataValidator() {
    }

    /** Tokens allowed per record (input and output together) at {@code batchSize}. */
    public static int tokenLimit(int batchSize) {
        if (batchSize == 1) {
            return 4096;
        }
        if (batchSize >= 2 && batchSize <= 4) {
            return 2048;
        }
        throw new IllegalArgumentException("batchSize must be 1 to 4, not " + batchSize);
    }

    /**
     * The dataset's examples, once every check passed.
     *
     * @param fileName the object's name as messages give it ({@code train.jsonl})
     * @param tokens the base model's token count of a text (no special tokens)
     * @throws DatasetException the first check that fails, with its message
     */
    public static List<Example> validate(String fileName, byte[] content, Kind kind, int batchSize,
                                         ToIntFunction<String> tokens) throws DatasetException {
        int limit = tokenLimit(batchSize);
        if (content.length > kind.maxBytes) {
            throw new DatasetException("The " + kind.label() + " dataset " + fileName + " is " + content.length
                    + " bytes; at most " + kind.maxBytes + " bytes are allowed.");
        }
        List<Example> examples = parse(fileName, text(fileName, content));
        if (examples.size() > kind.maxRecords) {
            throw new DatasetException("The " + kind.label() + " dataset " + fileName + " has " + examples.size()
                    + " records; at most " + kind.maxRecords + " are allowed.");
        }
        if (examples.isEmpty()) {
            throw new DatasetException("The " + kind.label() + " dataset " + fileName + " has no records.");
        }
        long maxCharacters = (long) limit * CHARACTERS_PER_TOKEN;
        for (Example e : examples) {
            if ((long) e.input().length() + e.output().length() > maxCharacters) {
                String start = e.input().length() > RECORD_PREFIX_CHARACTERS
                        ? e.input().substring(0, RECORD_PREFIX_CHARACTERS) : e.input();
                throw new DatasetException("Input size exceeded in file " + fileName + " for record starting with "
                        + start + "...");
            }
        }
        int maxInput = 0;
        int maxOutput = 0;
        int maxSum = 0;
        for (Example e : examples) {
            int in = tokens.applyAsInt(e.input());
            int out = tokens.applyAsInt(e.output());
            maxInput = Math.max(maxInput, in);
            maxOutput = Math.max(maxOutput, out);
            maxSum = Math.max(maxSum, in + out);
        }
        if (maxInput > limit) {
            throw new DatasetException("Maximum input token count " + maxInput + " exceeds limit of " + limit);
        }
        if (maxOutput > limit) {
            throw new DatasetException("Maximum output token count " + maxOutput + " exceeds limit of " + limit);
        }
        if (maxSum > limit) {
            throw new DatasetException("Max sum of input and output token length " + maxSum
                    + " exceeds total limit of " + limit);
        }
        return examples;
    }

    /** Strict UTF-8: a file that is not text is not JSONL either. */
    private static String text(String fileName, byte[] content) throws DatasetException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw notJsonl(fileName);
        }
    }

    private static List<Example> parse(String fileName, String text) throws DatasetException {
        String body = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        List<Example> out = new ArrayList<>();
        if (body.isEmpty()) {
            return out;
        }
        for (String raw : body.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                throw notJsonl(fileName); // the guide: no empty lines, no stray line breaks
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw notJsonl(fileName);
            }
            if (node == null || !node.isObject() || node.size() != 2 || !node.path("input").isTextual()
                    || !node.path("output").isTextual()) {
                throw notJsonl(fileName);
            }
            out.add(new Example(node.get("input").asText(), node.get("output").asText()));
        }
        return out;
    }

    private static DatasetException notJsonl(String fileName) {
        return new DatasetException("Unable to parse Amazon S3 file: " + fileName
                + ". Data files must conform to JSONL format.");
    }
}
