package dev.localbedrock.engines.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.HfModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's {@code tokenizer.json} run by the Hugging Face {@code tokenizers} library (through DJL), read from
 * the model directory only: nothing is fetched from the hub.
 *
 * <p>The library is told never to add special tokens, truncate or pad. BOS is added here, from the model's own
 * configuration ({@code tokenizer_config.add_bos_token}; when that is unstated, whether {@code tokenizer.json}'s
 * post-processor template starts with the BOS token), so what a prompt turns into does not depend on library
 * defaults. Decoding skips special tokens.
 */
public final class HfTextTokenizer implements TextTokenizer {
    /** The file this class reads. */
    public static final String TOKENIZER_JSON = "tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer hf;
    private final int bosTokenId;
    private final boolean addBos;
    private final int maxBytesPerToken;

    private HfTextTokenizer(HuggingFaceTokenizer hf, int bosTokenId, boolean addBos, int maxBytesPerToken) {
        this.hf = hf;
        this.bosTokenId = bosTokenId;
        this.addBos = addBos && bosTokenId >= 0;
        this.maxBytesPerToken = maxBytesPerToken;
    }

    /** Loads the tokenizer of {@code modelDir}, reading its configuration files for BOS handling. */
    public static HfTextTokenizer load(Path modelDir) throws IOException {
        return load(modelDir, HfModelConfig.load(modelDir));
    }

    /** Loads the tokenizer of {@code modelDir} with an already parsed configuration. */
    public static HfTextTokenizer load(Path modelDir, HfModelConfig config) throws IOException {
        Path file = modelDir.resolve(TOKENIZER_JSON);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "model directory has no " + TOKENIZER_JSON);
        }
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, OPTIONS);
        try {
            JsonNode json = JSON.readTree(file.toFile());
            Boolean addBos = config.addBosToken();
            int bos = config.bosTokenId();
            if (addBos == null || (bos < 0 && addBos)) {
                TemplateBos template = templateBos(json);
                if (addBos == null) {
                    addBos = template.adds();
                }
                if (bos < 0) {
                    bos = template.id();
                }
            }
            if (bos < 0 && config.bosToken() != null) {
                long[] ids = hf.encode(config.bosToken(), false, false).getIds();
                bos = ids.length == 1 ? (int) ids[0] : -1;
            }
            return new HfTextTokenizer(hf, bos, addBos, TokenSpan.maxBytesPerToken(json));
        } catch (IOException | RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    private record TemplateBos(boolean adds, int id) {
    }

    /** Whether the post-processor's single-sequence template begins with a special token, and its id. */
    private static TemplateBos templateBos(JsonNode tokenizerJson) {
        JsonNode pp = tokenizerJson.path("post_processor");
        List<JsonNode> processors = pp.path("type").asText().equals("Sequence")
                ? iterable(pp.path("processors")) : List.of(pp);
        for (JsonNode p : processors) {
            if (!p.path("type").asText().equals("TemplateProcessing")) {
                continue;
            }
            JsonNode first = p.path("single").path(0).path("SpecialToken");
            if (first.isMissingNode()) {
                return new TemplateBos(false, -1);
            }
            JsonNode ids = p.path("special_tokens").path(first.path("id").asText()).path("ids");
            return new TemplateBos(true, ids.size() == 1 ? ids.get(0).asInt() : -1);
        }
        return new TemplateBos(false, -1);
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, false, false).getIds();
        int offset = addSpecialTokens && addBos ? 1 : 0;
        int[] out = new int[ids.length + offset];
        if (offset == 1) {
            out[0] = bosTokenId;
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + offset] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /** Decodes ids to text; special tokens are dropped when {@code skipSpecialTokens}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return hf.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
    }

    /** The token strings {@code text} splits into (no special tokens), for diagnostics. */
    public List<String> tokens(String text) {
        return List.of(hf.encode(text, false, false).getTokens());
    }

    /** Read from {@code tokenizer.json} when loaded; see {@link TokenSpan} for when a bound exists. */
    @Override
    public int maxBytesPerToken() {
        return maxBytesPerToken;
    }

    /** BOS id, or -1 when the model has none. */
    public int bosTokenId() {
        return bosTokenId;
    }

    /** Whether {@link #encode} with {@code addSpecialTokens} prefixes BOS. */
    public boolean addsBos() {
        return addBos;
    }

    @Override
    public void close() {
        hf.close();
    }
}
