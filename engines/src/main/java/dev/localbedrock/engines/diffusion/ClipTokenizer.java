package dev.localbedrock.engines.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP BPE tokenizer of a diffusers export's {@code tokenizer/} or {@code tokenizer_2/} folder, giving the ids
 * transformers' (slow) {@code CLIPTokenizer} gives with {@code padding="max_length", truncation=True}, which is how
 * the SDXL pipeline calls it.
 *
 * <p>The steps, in transformers' order: the text is first split on the added tokens (the special tokens and
 * {@code added_tokens_decoder} of {@code tokenizer_config.json}), each matched literally and mapped to its id; the
 * rest is cleaned ({@link ClipTextCleaner}), pre-tokenised by CLIP's regex (contractions, letter runs, single digits,
 * runs of other symbols), byte-mapped ({@link ClipByteUnicode}) and merged ({@link ClipBpe}). A symbol missing from
 * the vocabulary becomes the unknown token. The result is {@code bos, content, eos}, with the content cut so that eos
 * still fits, padded with the pad token.
 *
 * <p>The pad token is what tells SDXL's two tokenizers apart: {@code tokenizer/} pads with {@code <|endoftext|>}
 * (49407), {@code tokenizer_2/} with {@code !} (0). Because {@code !} is then an added special token, transformers
 * also turns every {@code !} typed in a prompt into id 0 for the second encoder (open_clip, which SDXL was trained
 * with, would BPE-merge {@code !!} instead); this class reproduces transformers, since that is what diffusers feeds
 * the exported graphs.
 */
public final class ClipTokenizer {

    /** The CLIP default when {@code tokenizer_config.json} gives no {@code model_max_length}. */
    public static final int DEFAULT_MAX_LENGTH = 77;
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    /** Cap on {@code model_max_length}: a CLIP text encoder's position table is 77; anything huge is a broken config. */
    private static final int MAX_MAX_LENGTH = 1024;

    private static final Pattern PRE_TOKEN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> vocab;
    private final ClipBpe bpe;
    /** Literal strings split out before cleaning, longest first so a longer one wins at the same position. */
    private final List<String> addedTokens;
    private final Map<String, Integer> addedIds;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private final int maxLength;

    private ClipTokenizer(Map<String, Integer> vocab, ClipBpe bpe, Map<String, Integer> addedIds, int bosId,
                          int eosId, int padId, int unkId, int maxLength) {
        this.vocab = vocab;
        this.bpe = bpe;
        this.addedIds = addedIds;
        this.addedTokens = addedIds.keySet().stream()
                .sorted((a, b) -> Integer.compare(b.length(), a.length())).toList();
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.unkId = unkId;
        this.maxLength = maxLength;
    }

    /**
     * Loads {@code vocab.json} and {@code merges.txt} from {@code dir}, with the special tokens and
     * {@code model_max_length} from {@code tokenizer_config.json} and {@code special_tokens_map.json} when present
     * (the map wins where both name a token, as in transformers); absent keys take CLIPTokenizer's defaults:
     * bos {@code <|startoftext|>}, eos, unk and pad {@code <|endoftext|>}, max length 77.
     *
     * @throws IllegalArgumentException naming the file and key when a file is malformed or a token is not in the
     *                                  vocabulary
     */
    public static ClipTokenizer load(Path dir) throws IOException {
        Path vocabFile = require(dir.resolve("vocab.json"));
        Path mergesFile = require(dir.resolve("merges.txt"));
        Map<String, Integer> vocab = readVocab(vocabFile);
        ClipBpe bpe = ClipBpe.read(mergesFile);

        JsonNode config = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode map = readOptional(dir.resolve("special_tokens_map.json"));
        String bos = specialToken(config, map, "bos_token", START_OF_TEXT);
        String eos = specialToken(config, map, "eos_token", END_OF_TEXT);
        String unk = specialToken(config, map, "unk_token", END_OF_TEXT);
        String pad = specialToken(config, map, "pad_token", END_OF_TEXT);

        Map<String, Integer> addedIds = new HashMap<>();
        JsonNode decoder = config.path("added_tokens_decoder");
        for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String content = entry.getValue().path("content").asText("");
            if (content.isEmpty()) {
                throw new IllegalArgumentException("tokenizer_config.json: added_tokens_decoder." + entry.getKey()
                        + " has no content");
            }
            // lstrip/rstrip only trim whitespace next to the token, which cleaning removes anyway; single_word would
            // change where the token matches, so it is refused rather than ignored.
            if (entry.getValue().path("single_word").asBoolean(false)) {
                throw new IllegalArgumentException("tokenizer_config.json: added_tokens_decoder." + entry.getKey()
                        + " sets single_word, which is not supported");
            }
            addedIds.put(content, parseId(entry.getKey()));
        }
        for (String special : List.of(bos, eos, unk, pad)) {
            if (!addedIds.containsKey(special)) {
                Integer id = vocab.get(special);
                if (id == null) {
                    throw new IllegalArgumentException(dir.getFileName() + ": special token '" + special
                            + "' is neither in vocab.json nor in added_tokens_decoder");
                }
                addedIds.put(special, id);
            }
        }
        return new ClipTokenizer(vocab, bpe, Map.copyOf(addedIds), addedIds.get(bos), addedIds.get(eos),
                addedIds.get(pad), addedIds.get(unk), maxLength(config));
    }

    /** {@link #encode} with the attention mask and the eos position. */
    public ClipEncoding encodeWithMask(String text) {
        List<Integer> content = contentIds(text);
        int kept = Math.min(content.size(), maxLength - 2);
        int[] ids = new int[maxLength];
        int[] mask = new int[maxLength];
        ids[0] = bosId;
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = content.get(i);
        }
        int eosAt = kept + 1;
        ids[eosAt] = eosId;
        Arrays.fill(mask, 0, eosAt + 1, 1);
        Arrays.fill(ids, eosAt + 1, maxLength, padId);
        return new ClipEncoding(ids, mask, eosAt);
    }

    /** Exactly {@link #maxLength()} ids: bos, the prompt's tokens (cut to fit), eos, then padding. */
    public int[] encode(String text) {
        return encodeWithMask(text).ids();
    }

    /**
     * The first position holding the eos id. With CLIP's vocabulary eos is the largest id, so this is also the
     * {@code argmax(input_ids)} that CLIP text encoders (and SDXL's pooled embedding) read.
     *
     * @throws IllegalArgumentException when {@code ids} holds no eos
     */
    public int eosIndex(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == eosId) {
                return i;
            }
        }
        throw new IllegalArgumentException("no eos token (" + eosId + ") among " + ids.length + " ids");
    }

    /** The BPE tokens of {@code text} without bos/eos or padding, as strings (added tokens as themselves). */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        forEachToken(text, tokens::add);
        return tokens;
    }

    public int maxLength() {
        return maxLength;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    private List<Integer> contentIds(String text) {
        List<Integer> ids = new ArrayList<>();
        forEachToken(text, token -> {
            Integer added = addedIds.get(token);
            if (added != null) {
                ids.add(added);
            } else {
                ids.add(vocab.getOrDefault(token, unkId));
            }
        });
        return ids;
    }

    private void forEachToken(String text, java.util.function.Consumer<String> sink) {
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            String added = addedTokenAt(text, i);
            if (added == null) {
                i++;
                continue;
            }
            bpeTokens(text.substring(segmentStart, i), sink);
            sink.accept(added);
            i += added.length();
            segmentStart = i;
        }
        bpeTokens(text.substring(segmentStart), sink);
    }

    private String addedTokenAt(String text, int at) {
        for (String token : addedTokens) {
            if (text.startsWith(token, at)) {
                return token;
            }
        }
        return null;
    }

    private void bpeTokens(String segment, java.util.function.Consumer<String> sink) {
        String cleaned = ClipTextCleaner.clean(segment);
        if (cleaned.isEmpty()) {
            return;
        }
        Matcher m = PRE_TOKEN.matcher(cleaned);
        while (m.find()) {
            String word = m.group();
            // transformers' BPE cache is seeded with the two markers, so they never gain </w>
            if (word.equals(START_OF_TEXT) || word.equals(END_OF_TEXT)) {
                sink.accept(word);
                continue;
            }
            for (String symbol : bpe.apply(ClipByteUnicode.encode(word))) {
                sink.accept(symbol);
            }
        }
    }

    private static int maxLength(JsonNode config) {
        JsonNode node = config.path("model_max_length");
        if (node.isMissingNode() || node.isNull()) {
            return DEFAULT_MAX_LENGTH;
        }
        if (!node.isNumber() || node.asDouble() < 2 || node.asDouble() > MAX_MAX_LENGTH) {
            throw new IllegalArgumentException("tokenizer_config.json: model_max_length must be an integer in 2.."
                    + MAX_MAX_LENGTH + ", got " + node);
        }
        return node.asInt();
    }

    /** A token given as a string or as an AddedToken object ({@code {"content": ...}}). */
    private static String specialToken(JsonNode config, JsonNode map, String key, String fallback) {
        for (JsonNode source : List.of(map, config)) {
            JsonNode node = source.path(key);
            if (node.isTextual()) {
                return node.asText();
            }
            if (node.isObject() && node.path("content").isTextual()) {
                return node.path("content").asText();
            }
        }
        return fallback;
    }

    private static Map<String, Integer> readVocab(Path vocabFile) throws IOException {
        JsonNode node = JSON.readTree(vocabFile.toFile());
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("vocab.json: expected a JSON object of token to id");
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().canConvertToInt() || entry.getValue().asInt() < 0) {
                throw new IllegalArgumentException("vocab.json: id of '" + entry.getKey()
                        + "' must be a non-negative integer, got " + entry.getValue());
            }
            vocab.put(entry.getKey(), entry.getValue().asInt());
        }
        return vocab;
    }

    private static JsonNode readOptional(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        JsonNode node = JSON.readTree(file.toFile());
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(file.getFileName() + ": expected a JSON object");
        }
        return node;
    }

    private static Path require(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("CLIP tokenizer folder " + file.getParent().getFileName()
                    + " has no " + file.getFileName());
        }
        return file;
    }

    private static int parseId(String key) {
        try {
            return Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tokenizer_config.json: added_tokens_decoder key '" + key
                    + "' is not a token id");
        }
    }
}
