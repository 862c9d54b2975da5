package dev.localbedrock.runtime.customization;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every dataset rule of the guide's fine-tuning section, with its exact message. */
class TrainingDataValidatorTest {
    /** A stand-in tokenizer: one token per word, so counts are easy to set. */
    private static final ToIntFunction<String> WORDS = s -> s.isBlank() ? 0 : s.trim().split("\\s+").length;
    private static final String NOT_JSONL = "Unable to parse Amazon S3 file: train.jsonl. Data files must conform to"
            + " JSONL format.";

    private static List<TrainingDataValidator.Example> validate(String text, int batchSize) throws DatasetException {
        return TrainingDataValidator.validate("train.jsonl", text.getBytes(StandardCharsets.UTF_8),
                TrainingDataValidator.Kind.TRAINING, batchSize, WORDS);
    }

    private static String refusal(String text, int batchSize) {
        return assertThrows(DatasetException.class, () -> validate(text, batchSize)).getMessage();
    }

    @Test
    void theGuidesExampleParsesWithOrWithoutAFinalNewline() throws Exception {
        String line = "{\"input\": \"what is AWS\", \"output\": \"it's amazon web services\"}";
        assertEquals(List.of(new TrainingDataValidator.Example("what is AWS", "it's amazon web services")),
                validate(line, 1));
        assertEquals(2, validate(line + "\n" + line + "\n", 1).size());
        assertEquals(2, validate(line + "\r\n" + line + "\r\n", 1).size());
    }

    @Test
    void anythingButOneInputOutputObjectPerLineIsNotJsonl() {
        for (String bad : List.of(
                "not json",
                "{\"input\": \"a\", \"output\": \"b\"}\n\n{\"input\": \"a\", \"output\": \"b\"}", // blank line
                "{\"input\": \"a\", \"output\": \"b\"}\n   ",
                "{\"input\": \"a\"}",
                "{\"input\": \"a\", \"output\": \"b\", \"extra\": 1}",
                "{\"prompt\": \"a\", \"completion\": \"b\"}",
                "{\"input\": 1, \"output\": \"b\"}",
                "{\"input\": \"a\", \"output\": null}",
                "{\"input\": \"a\", \"output\": [\"b\"]}",
                "[\"input\", \"output\"]",
                "{\"input\": \"a\", \"output\": \"b\"} {\"input\": \"c\", \"output\": \"d\"}",
                "{\"input\": \"a\", \"input\": \"b\"}",
                "{\"input\": \"a\", \"output\": \"b\"")) {
            assertEquals(NOT_JSONL, refusal(bad, 1), bad);
        }
        byte[] notUtf8 = {'{', '"', 'i', (byte) 0xff, '"', '}'};
        DatasetException e = assertThrows(DatasetException.class, () -> TrainingDataValidator.validate("train.jsonl",
                notUtf8, TrainingDataValidator.Kind.TRAINING, 1, WORDS));
        assertEquals(NOT_JSONL, e.getMessage());
    }

    @Test
    void recordCountsFollowTheKind() throws Exception {
        String line = "{\"input\": \"a\", \"output\": \"b\"}\n";
        assertEquals(10_000, validate(line.repeat(10_000), 1).size());
        assertEquals("The training dataset train.jsonl has 10001 records; at most 10000 are allowed.",
                refusal(line.repeat(10_001), 1));
        DatasetException e = assertThrows(DatasetException.class, () -> TrainingDataValidator.validate("val.jsonl",
                line.repeat(1_001).getBytes(StandardCharsets.UTF_8), TrainingDataValidator.Kind.VALIDATION, 1,
                WORDS));
        assertEquals("The validation dataset val.jsonl has 1001 records; at most 1000 are allowed.", e.getMessage());
        assertEquals("The training dataset train.jsonl has no records.", refusal("", 1));
    }

    @Test
    void charactersBeyondSixPerAllowedTokenAreTheGuidesSizeError() throws Exception {
        // Batch size 2: 2 048 tokens, so 12 288 characters of input and output together.
        String fits = "x".repeat(12_288 - 1);
        validate("{\"input\": \"" + fits + "\", \"output\": \"y\"}", 2);
        String input = "Once upon a time, a model learned to answer questions " + "z".repeat(12_288);
        assertEquals("Input size exceeded in file train.jsonl for record starting with "
                + input.substring(0, 40) + "...", refusal("{\"input\": \"" + input + "\", \"output\": \"y\"}", 2));
    }

    @Test
    void realTokenCountsAtTheBatchSizeGetTheGuidesThreeMessages() throws Exception {
        String w4096 = "w ".repeat(4096).trim();
        String w4097 = "w ".repeat(4097).trim();
        validate("{\"input\": \"" + w4096 + "\", \"output\": \"\"}", 1);
        assertEquals("Maximum input token count 4097 exceeds limit of 4096",
                refusal("{\"input\": \"" + w4097 + "\", \"output\": \"y\"}", 1));
        assertEquals("Maximum output token count 4097 exceeds limit of 4096",
                refusal("{\"input\": \"x\", \"output\": \"" + w4097 + "\"}", 1));
        String half = "w ".repeat(2049).trim();
        assertEquals("Max sum of input and output token length 4098 exceeds total limit of 4096",
                refusal("{\"input\": \"" + half + "\", \"output\": \"" + half + "\"}", 1));
        // At batch size 4 the limit is 2 048, and the largest record is the one reported.
        String w2049 = "w ".repeat(2049).trim();
        assertEquals("Maximum input token count 2049 exceeds limit of 2048", refusal(
                "{\"input\": \"a b\", \"output\": \"c\"}\n{\"input\": \"" + w2049 + "\", \"output\": \"c\"}", 4));
        assertThrows(IllegalArgumentException.class, () -> TrainingDataValidator.tokenLimit(5));
    }
}
