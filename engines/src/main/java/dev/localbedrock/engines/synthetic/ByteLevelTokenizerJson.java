package dev.localbedrock.engines.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code tokenizer.json} (Hugging Face {@code tokenizers} format) of a byte-level BPE whose ids 0-2 are
 * {@code <unk>}, {@code <s>}, {@code </s>} and ids 3-258 the 256 bytes in GPT-2's byte-to-character mapping, followed
 * by any merged tokens: BPE model, ByteLevel pre-tokenizer, post-processor and decoder.
 */
public final class ByteLevelTokenizerJson {
    /** The special tokens, ids 0-2. */
    public static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ByteLevelTokenizerJson() {
    }

    /** GPT-2's reversible byte-to-character table: printable bytes map to themselves, the rest to U+0100 onwards. */
    public static String[] byteToUnicode() {
        String[] out = new String[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = String.valueOf((char) (printable ? b : 256 + next++));
        }
        return out;
    }

    /** The 259 base tokens by id: the specials, then the 256 byte characters. */
    public static List<String> baseTokens() {
        List<String> tokens = new ArrayList<>(SPECIALS);
        tokens.addAll(Arrays.asList(byteToUnicode()));
        return tokens;
    }

    /**
     * The {@code tokenizer.json} tree.
     *
     * @param tokens token strings by id, starting with {@link #baseTokens()}
     * @param merges BPE merges in rank order, each {@code {left, right}}
     */
    public static ObjectNode tokenizer(List<String> tokens, List<String[]> merges) {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", SPECIALS.get(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putNull("normalizer");
        t.set("pre_tokenizer", byteLevel(JSON.createObjectNode()));
        t.set("post_processor", byteLevel(JSON.createObjectNode()));
        t.set("decoder", byteLevel(JSON.createObjectNode()));
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) {
            m.add(pair[0] + " " + pair[1]);
        }
        return t;
    }

    private static ObjectNode byteLevel(ObjectNode n) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }
}
