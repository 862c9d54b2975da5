package dev.localbedrock.engines.synthetic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated CLIP BPE vocabulary in the layout of the real one: ids 0..255 the byte-level symbols (GPT-2's
 * byte-to-unicode map, printable bytes first), 256..511 the same with {@code </w>}, then the outputs of a fixed list
 * of merges, then {@code <|startoftext|>} and {@code <|endoftext|>} last, so that eos is the largest id and
 * {@code argmax(input_ids)} finds it, as in CLIP. Any text tokenizes (every byte has a symbol); the merges join the
 * letters of {@link #WORDS} left to right so common prompt words become a few tokens.
 */
final class ClipVocabulary {
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    static final String END_OF_WORD = "</w>";
    /** Words whose letters are merged (in this order, so the output never changes). */
    private static final List<String> WORDS = List.of("a", "an", "the", "of", "in", "on", "at", "with", "and",
            "photo", "painting", "portrait", "picture", "cat", "dog", "horse", "bird", "red", "blue", "green",
            "white", "black", "house", "tree", "forest", "sky", "sunset", "mountain", "lake", "river", "city",
            "street", "night", "light", "woman", "man", "astronaut", "riding", "sitting", "beautiful", "detailed",
            "landscape", "style", "oil", "watercolor", "high", "quality");

    private final Map<String, Integer> vocab;
    private final List<String> merges;

    private ClipVocabulary(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    static ClipVocabulary generate() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> base = byteSymbols();
        for (String s : base) {
            vocab.put(s, vocab.size());
        }
        for (String s : base) {
            vocab.put(s + END_OF_WORD, vocab.size());
        }
        List<String> merges = new ArrayList<>();
        for (String word : WORDS) {
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < word.length(); i++) {
                symbols.add(String.valueOf(word.charAt(i)));
            }
            symbols.set(symbols.size() - 1, symbols.get(symbols.size() - 1) + END_OF_WORD);
            String left = symbols.get(0);
            for (int i = 1; i < symbols.size(); i++) {
                String merged = left + symbols.get(i);
                if (!vocab.containsKey(merged)) {
                    merges.add(left + " " + symbols.get(i));
                    vocab.put(merged, vocab.size());
                }
                left = merged;
            }
        }
        vocab.put(START_OF_TEXT, vocab.size());
        vocab.put(END_OF_TEXT, vocab.size());
        return new ClipVocabulary(vocab, List.copyOf(merges));
    }

    /** Token → id, in id order. */
    Map<String, Integer> vocab() {
        return vocab;
    }

    /** {@code merges.txt} lines after the header, in rank order. */
    List<String> merges() {
        return merges;
    }

    int size() {
        return vocab.size();
    }

    int id(String token) {
        return vocab.get(token);
    }

    /** The 256 byte symbols in vocabulary order: printable Latin-1 bytes as themselves, the rest from U+0100 up. */
    static List<String> byteSymbols() {
        List<String> printable = new ArrayList<>();
        List<String> shifted = new ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable.add(String.valueOf((char) b));
            } else {
                shifted.add(String.valueOf((char) next++));
            }
        }
        printable.addAll(shifted);
        return printable;
    }
}
