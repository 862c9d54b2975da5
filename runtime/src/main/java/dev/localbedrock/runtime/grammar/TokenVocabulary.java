package dev.localbedrock.runtime.grammar;

import dev.localbedrock.engines.TextTokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;

/**
 * The bytes each vocabulary id adds to the output text, and a byte trie over them, built once per tokenizer.
 *
 * <p>A token's bytes are what it adds after ordinary text, {@code decode(anchor + [id]) − decode(anchor)} in UTF-8,
 * which is what the scheduler's incremental detokeniser emits for it (so SentencePiece's leading space is kept).
 * Ids whose bytes are empty (special tokens, which decode to nothing) or that decode to U+FFFD (a byte-fallback
 * piece of a multi-byte character, which cannot be matched byte for byte through a text decoder) are never offered
 * by a constraint; the characters they would spell remain reachable through whole-character tokens or JSON
 * {@code \\u} escapes. End-of-sequence ids are kept apart: a constraint allows them only on a complete value.
 */
final class TokenVocabulary {
    final int size;
    final int[] eosIds;
    /** Per id its bytes, or null when the id is never offered. */
    final byte[][] pieces;

    // The trie, flat: node n's children are edges [edgeStart[n], edgeStart[n+1]); tokens ending at n are
    // tokenIds[tokenStart[n], tokenStart[n+1]).
    final int[] edgeStart;
    final byte[] edgeByte;
    final int[] edgeChild;
    final int[] tokenStart;
    final int[] tokenIds;

    private TokenVocabulary(int size, int[] eosIds, byte[][] pieces) {
        this.size = size;
        this.eosIds = eosIds;
        this.pieces = pieces;
        TrieBuilder t = new TrieBuilder(pieces);
        this.edgeStart = t.edgeStart;
        this.edgeByte = t.edgeByte;
        this.edgeChild = t.edgeChild;
        this.tokenStart = t.tokenStart;
        this.tokenIds = t.tokenIds;
    }

    /** Decodes ids {@code [0, vocabSize)} of {@code tokenizer} once. */
    static TokenVocabulary of(TextTokenizer tokenizer, int vocabSize, Set<Integer> eosTokenIds) {
        int[] anchor = tokenizer.encode("a", false);
        String anchorText = tokenizer.decode(anchor);
        int[] ids = Arrays.copyOf(anchor, anchor.length + 1);
        byte[][] pieces = new byte[vocabSize][];
        for (int id = 0; id < vocabSize; id++) {
            if (eosTokenIds.contains(id)) {
                continue;
            }
            ids[anchor.length] = id;
            String text;
            try {
                text = tokenizer.decode(ids);
            } catch (RuntimeException e) {
                continue; // an id the tokenizer does not know
            }
            if (!text.startsWith(anchorText) || text.length() == anchorText.length() || text.indexOf('\uFFFD') >= 0) {
                continue;
            }
            pieces[id] = text.substring(anchorText.length()).getBytes(StandardCharsets.UTF_8);
        }
        return of(pieces, eosTokenIds.stream().filter(id -> id >= 0 && id < vocabSize).mapToInt(Integer::intValue)
                .sorted().toArray());
    }

    /** From precomputed pieces (tests, benchmarks): null entries are never offered. */
    static TokenVocabulary of(byte[][] pieces, int[] eosIds) {
        return new TokenVocabulary(pieces.length, eosIds.clone(), pieces);
    }

    int nodes() {
        return tokenStart.length - 1;
    }

    /** Builds the flat trie from the ids sorted by their bytes (unsigned), one node per distinct prefix. */
    private static final class TrieBuilder {
        private final byte[][] pieces;
        private final Integer[] order;
        int[] edgeStart = new int[1024];
        byte[] edgeByte = new byte[1024];
        int[] edgeChild = new int[1024];
        int[] tokenStart = new int[1024];
        int[] tokenIds;
        private int nodes;
        private int edges;
        private int tokens;
        private final int[] pendingTokens;

        TrieBuilder(byte[][] pieces) {
            this.pieces = pieces;
            int n = 0;
            for (byte[] p : pieces) {
                n += p == null ? 0 : 1;
            }
            order = new Integer[n];
            int k = 0;
            for (int id = 0; id < pieces.length; id++) {
                if (pieces[id] != null) {
                    order[k++] = id;
                }
            }
            Arrays.sort(order, Comparator.comparing((Integer id) -> pieces[id], Arrays::compareUnsigned));
            tokenIds = new int[n];
            pendingTokens = tokenIds;
            // Nodes are numbered in breadth order of creation; children's edges are laid out when a node is built.
            java.util.ArrayDeque<int[]> todo = new java.util.ArrayDeque<>();
            newNode();
            todo.add(new int[] {0, 0, n, 0}); // node, lo, hi, depth
            while (!todo.isEmpty()) {
                int[] job = todo.poll();
                build(job[0], job[1], job[2], job[3], todo);
            }
            edgeStart = Arrays.copyOf(edgeStart, nodes + 1);
            tokenStart = Arrays.copyOf(tokenStart, nodes + 1);
            edgeStart[nodes] = edges;
            tokenStart[nodes] = tokens;
            edgeByte = Arrays.copyOf(edgeByte, edges);
            edgeChild = Arrays.copyOf(edgeChild, edges);
        }

        private int newNode() {
            if (nodes + 1 >= edgeStart.length) {
                edgeStart = Arrays.copyOf(edgeStart, edgeStart.length * 2);
                tokenStart = Arrays.copyOf(tokenStart, tokenStart.length * 2);
            }
            return nodes++;
        }

        /** Node {@code node} stands for the common {@code depth}-byte prefix of ids order[lo, hi). */
        private void build(int node, int lo, int hi, int depth, java.util.ArrayDeque<int[]> todo) {
            // Breadth-first: nodes are built in creation order, so their edge and token runs are contiguous.
            edgeStart[node] = edges;
            tokenStart[node] = tokens;
            int i = lo;
            while (i < hi && pieces[order[i]].length == depth) {
                pendingTokens[tokens++] = order[i++];
            }
            while (i < hi) {
                int b = pieces[order[i]][depth];
                int j = i;
                while (j < hi && pieces[order[j]][depth] == b) {
                    j++;
                }
                int child = newNode();
                if (edges == edgeByte.length) {
                    edgeByte = Arrays.copyOf(edgeByte, edges * 2);
                    edgeChild = Arrays.copyOf(edgeChild, edges * 2);
                }
                edgeByte[edges] = (byte) b;
                edgeChild[edges++] = child;
                todo.add(new int[] {child, i, j, depth + 1});
                i = j;
            }
        }
    }
}
