package dev.localbedrock.engines.diffusion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-pair merges: a word (one pre-token, already byte-mapped) starts as its symbols with {@code </w>} glued
 * to the last one, then the adjacent pair with the lowest merge rank is joined everywhere, left to right, until no
 * ranked pair is left.
 */
final class ClipBpe {

    static final String END_OF_WORD = "</w>";
    /**
     * transformers reads at most 49152 - 256 - 2 merges (the vocabulary size CLIP was trained with, less the byte
     * symbols and the two special tokens); later lines are ignored.
     */
    static final int MAX_MERGES = 49152 - 256 - 2;
    private static final int CACHE_LIMIT = 50_000;

    private final Map<String, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    private ClipBpe(Map<String, Integer> ranks) {
        this.ranks = ranks;
    }

    /**
     * Reads {@code merges.txt}. The first line is the {@code #version} header and is skipped whatever it says, as
     * transformers does; each later line is two symbols separated by a space, rank = line order.
     */
    static ClipBpe read(Path mergesTxt) throws IOException {
        String[] lines = Files.readString(mergesTxt, StandardCharsets.UTF_8).strip().split("\n");
        Map<String, Integer> ranks = new HashMap<>();
        int last = Math.min(lines.length - 1, MAX_MERGES);
        for (int i = 1; i <= last; i++) {
            String[] pair = lines[i].strip().split("\\s+");
            if (pair.length != 2) {
                throw new IllegalArgumentException(mergesTxt.getFileName() + " line " + (i + 1)
                        + ": expected two symbols separated by a space, got '" + lines[i] + "'");
            }
            ranks.put(key(pair[0], pair[1]), i - 1); // a repeated pair takes its later rank, as in transformers
        }
        return new ClipBpe(ranks);
    }

    int mergeCount() {
        return ranks.size();
    }

    /** The BPE symbols of one byte-mapped word, the last carrying {@code </w>}. */
    List<String> apply(String word) {
        List<String> hit = cache.get(word);
        if (hit != null) {
            return hit;
        }
        List<String> symbols = merge(word);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear(); // prompts are short; a full cache means unusual input, not a working set worth keeping
        }
        cache.put(word, symbols);
        return symbols;
    }

    private List<String> merge(String word) {
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        int lastIndex = symbols.size() - 1;
        symbols.set(lastIndex, symbols.get(lastIndex) + END_OF_WORD);
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(key(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = symbols.get(i);
                    second = symbols.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols.clear();
            symbols.addAll(merged);
        }
        return List.copyOf(symbols);
    }

    /** Symbols never contain a space (the byte map has none), so a space joins a pair unambiguously. */
    private static String key(String first, String second) {
        return first + ' ' + second;
    }
}
