package dev.localbedrock.engines.onnxruntime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.EmbeddingModel.TruncationSide;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * An encoder's {@code tokenizer.json} through the Hugging Face tokenizers library, with the truncation an embedding
 * needs: special tokens as its post-processor adds them ({@code [CLS] … [SEP]}), kept at both ends when the text is cut
 * to {@link #maxTokens()}. The library's own truncation is off because it would cut the trailing {@code [SEP]} (or,
 * from the start, the leading {@code [CLS]}). Thread-safe, as the library's tokenizer is.
 */
final class EncoderTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "true", "truncation", "false", "padding", "false");

    /** One text's token ids and token type ids, of equal length. */
    record Tokens(long[] ids, long[] typeIds) {
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private final long padId;

    private EncoderTokenizer(HuggingFaceTokenizer tokenizer, int maxTokens, long padId) {
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.padId = padId;
    }

    /** Parses {@code tokenizerJson}; closes what it opened if that fails. */
    static EncoderTokenizer create(byte[] tokenizerJson, int maxTokens) throws IOException {
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson),
                OPTIONS);
        try {
            return new EncoderTokenizer(tokenizer, maxTokens, padId(JSON.readTree(tokenizerJson)));
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** {@code padding.pad_id} of tokenizer.json, else the id of an added {@code [PAD]}/{@code <pad>} token, else 0. */
    private static long padId(JsonNode tokenizerJson) {
        JsonNode pad = tokenizerJson.path("padding").path("pad_id");
        if (pad.isNumber()) {
            return pad.asLong();
        }
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            String content = t.path("content").asText("");
            if (content.equals("[PAD]") || content.equals("<pad>")) {
                return t.path("id").asLong(0);
            }
        }
        return 0;
    }

    /** Truncation length, special tokens included. */
    int maxTokens() {
        return maxTokens;
    }

    /** The id right padding uses (masked out, so any id would do for the maths; the model's own is the honest one). */
    long padId() {
        return padId;
    }

    /** Tokens of {@code text}, special tokens included, before truncation. */
    int count(String text) {
        return tokenizer.encode(text, true, false).getIds().length;
    }

    /**
     * Token ids and type ids of {@code text}, truncated to {@link #maxTokens} keeping the special tokens at both ends
     * (the leading ones such as {@code [CLS]} and the trailing ones such as {@code [SEP]}): the ordinary tokens past
     * the limit are dropped from the end, or with {@link TruncationSide#START} from the beginning.
     */
    Tokens encode(String text, TruncationSide side) {
        Encoding e = tokenizer.encode(text, true, false);
        long[] ids = e.getIds();
        long[] types = e.getTypeIds();
        if (ids.length <= maxTokens) {
            return new Tokens(ids, types);
        }
        long[] special = e.getSpecialTokenMask();
        int lead = 0;
        while (lead < ids.length && special[lead] == 1) {
            lead++;
        }
        int trail = 0;
        while (trail < ids.length - lead && special[ids.length - 1 - trail] == 1) {
            trail++;
        }
        if (lead + trail >= maxTokens) {
            return new Tokens(Arrays.copyOf(ids, maxTokens), Arrays.copyOf(types, maxTokens));
        }
        int keep = maxTokens - trail;
        long[] outIds = new long[maxTokens];
        long[] outTypes = new long[maxTokens];
        if (side == TruncationSide.START) {
            int body = maxTokens - lead - trail;
            int from = ids.length - trail - body; // the last `body` ordinary tokens
            System.arraycopy(ids, 0, outIds, 0, lead);
            System.arraycopy(types, 0, outTypes, 0, lead);
            System.arraycopy(ids, from, outIds, lead, body);
            System.arraycopy(types, from, outTypes, lead, body);
        } else {
            System.arraycopy(ids, 0, outIds, 0, keep);
            System.arraycopy(types, 0, outTypes, 0, keep);
        }
        System.arraycopy(ids, ids.length - trail, outIds, keep, trail);
        System.arraycopy(types, ids.length - trail, outTypes, keep, trail);
        return new Tokens(outIds, outTypes);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
