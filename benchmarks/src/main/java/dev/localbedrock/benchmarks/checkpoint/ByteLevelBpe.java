package dev.localbedrock.benchmarks.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.synthetic.ByteLevelTokenizerJson;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic byte-level BPE vocabulary of any size from 259 up: ids 0-2 are {@code <unk>}, {@code <s>},
 * {@code </s>}; ids 3-258 the 256 bytes in GPT-2's byte-to-character mapping (as in engines'
 * {@code RandomLlamaCheckpoint}, and written by the same {@link ByteLevelTokenizerJson}, so a 259-entry vocabulary is
 * that tokenizer exactly); ids from 259 on are learned by ordinary BPE training (most frequent adjacent pair first,
 * ties to the lower pair of ids) on a synthetic, seeded word-frequency table: a few hundred common English words plus
 * generated pseudo-words, each with and without a leading space and capitalised, numbers and punctuation. Text therefore compresses to multi-character
 * tokens the way a trained tokenizer does (English prose ≈ 3-4 characters per token), which keeps the streaming
 * and detokenisation costs realistic.
 *
 * <p>The merges depend only on the vocabulary size, never on a weight seed, so all checkpoints of one vocabulary size
 * share one tokenizer; up to 32000 the training table is fixed, so a smaller vocabulary is a prefix of a larger one. Every merge joins two existing tokens into a new, unique string; merge {@code i} creates token
 * {@code 259 + i}. The same tables serve Hugging Face {@code tokenizers} ({@code tokenizer.json}, BPE model with the
 * ByteLevel pre-tokenizer, i.e. the GPT-2 split regex) and llama.cpp ({@code tokenizer.ggml.model = "gpt2"},
 * {@code tokenizer.ggml.pre = "gpt-2"}), which apply the same regex and the same rank-ordered merges.
 */
public final class ByteLevelBpe {
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final List<String> SPECIALS = ByteLevelTokenizerJson.SPECIALS;
    /** Specials plus the 256 byte symbols. */
    public static final int BASE_VOCAB = 259;

    private static final long CORPUS_SEED = 0x6c6f63616c62656eL;
    private static final Map<Integer, Vocabulary> CACHE = Collections.synchronizedMap(new HashMap<>());

    /** The 150 most frequent English words, roughly in order, so English prompts compress like real text. */
    private static final String[] COMMON = ("the of and to a in is you that it he was for on are as with his they i at be"
            + " this have from or one had by word but not what all were we when your can said there use an each which"
            + " she do how their if will up other about out many then them these so some her would make like him into"
            + " time has look two more write go see number no way could people my than first water been call who oil"
            + " its now find long down day did get come made may part over new sound take only little work know place"
            + " year live me back give most very after thing our just name good sentence man think say great where help"
            + " through much before line right too mean old any same tell boy follow came want show also around form"
            + " three small set put end does another well large must big even such because turn here why ask went men"
            + " read need land different home us move try kind hand picture again change off play spell air away animal"
            + " house point page letter mother answer found study still learn should america world once upon story"
            + " happy day girl dog cat tree sun bird friend ball went saw big red blue lily tom mom dad").split(" ");

    private static final String[] ONSETS = {"", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r",
        "s", "t", "v", "w", "y", "z", "ch", "sh", "th", "st", "tr", "br", "pl", "gr", "cl", "sp", "wh", "qu", "fr"};
    private static final String[] VOWELS = {"a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou", "ai", "ee", "oo",
        "y", "ie", "au"};
    private static final String[] CODAS = {"", "", "", "n", "r", "s", "t", "l", "nd", "ng", "st", "ck", "m", "rt",
        "ll", "ss", "nt", "x", "sh", "ch"};
    private static final String[] PUNCT = {".", ",", "!", "?", ";", ":", "'s", "'t", "'re", "'ll", "'d", "'ve", "'m",
        "Ġ(", ")", "Ġ\"", "\"", "Ġ-", "-", "Ġ'", "'", "...", ".\"", ",\"", "Ġ&", "Ġ#", "Ġ$", "Ġ%", "Ġ*", "Ġ/", "Ġ+",
        "Ġ=", "Ġ:", "Ġ[", "]", "Ġ{", "}", "Ċ", "ĊĊ", "ĠĠ", "ĠĠĠ", "ĠĠĠĠ", "ĉ"};

    private ByteLevelBpe() {
    }

    /**
     * The tables.
     *
     * @param tokens token strings by id (byte-level characters; specials as their text)
     * @param merges merge {@code i} is {@code {left, right}}, creating token {@code 259 + i}
     */
    public record Vocabulary(List<String> tokens, List<String[]> merges) {
        public int size() {
            return tokens.size();
        }

        /** Whether {@code id} is one of the three special tokens. */
        public boolean isSpecial(int id) {
            return id < SPECIALS.size();
        }
    }

    /** The vocabulary of {@code vocabSize} tokens (cached: building 32000 takes about a second). */
    public static Vocabulary build(int vocabSize) {
        if (vocabSize < BASE_VOCAB) {
            throw new IllegalArgumentException("vocab " + vocabSize + " is smaller than the byte tokenizer's "
                    + BASE_VOCAB);
        }
        Vocabulary cached = CACHE.get(vocabSize);
        if (cached == null) {
            cached = train(vocabSize);
            CACHE.put(vocabSize, cached);
        }
        return cached;
    }

    /** GPT-2's reversible byte-to-character table: printable bytes map to themselves, the rest to U+0100 onwards. */
    public static String[] byteToUnicode() {
        return ByteLevelTokenizerJson.byteToUnicode();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // training

    private static Vocabulary train(int vocabSize) {
        List<String> tokens = new ArrayList<>(vocabSize);
        tokens.addAll(SPECIALS);
        String[] byteChars = byteToUnicode();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            ids.put(byteChars[b], tokens.size());
            tokens.add(byteChars[b]);
        }
        List<String[]> merges = new ArrayList<>(vocabSize - BASE_VOCAB);
        if (vocabSize == BASE_VOCAB) {
            return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
        }

        // the corpus: distinct pre-tokens (already in byte-level characters) with counts
        Map<String, Long> corpus = corpus(vocabSize);
        int n = corpus.size();
        int[][] words = new int[n][];
        long[] counts = new long[n];
        int w = 0;
        for (Map.Entry<String, Long> e : corpus.entrySet()) {
            String s = e.getKey();
            int[] sym = new int[s.length()];
            for (int i = 0; i < s.length(); i++) {
                Integer id = ids.get(String.valueOf(s.charAt(i)));
                if (id == null) {
                    throw new AssertionError("corpus character outside the byte alphabet: " + s);
                }
                sym[i] = id;
            }
            words[w] = sym;
            counts[w++] = e.getValue();
        }

        Map<Long, long[]> pairCount = new HashMap<>();
        Map<Long, IntSet> where = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int[] s = words[i];
            for (int j = 0; j + 1 < s.length; j++) {
                long key = key(s[j], s[j + 1]);
                pairCount.computeIfAbsent(key, k -> new long[1])[0] += counts[i];
                where.computeIfAbsent(key, k -> new IntSet()).add(i);
            }
        }
        // most frequent first; ties to the lower (left, right) ids; entries go stale and are skipped on pop
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : Long.compare(unmix(a[1]), unmix(b[1])));
        pairCount.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> queue.add(new long[] {e.getValue()[0], e.getKey()}));
        Set<Long> banned = new HashSet<>();

        while (tokens.size() < vocabSize) {
            long[] top = queue.poll();
            if (top == null) {
                throw new IllegalStateException("the synthetic corpus ran out of pairs at " + tokens.size()
                        + " tokens (asked for " + vocabSize + ")");
            }
            long key = top[1];
            long[] current = pairCount.get(key);
            if (current == null || current[0] != top[0] || current[0] <= 0 || banned.contains(key)) {
                continue;
            }
            int left = (int) (unmix(key) >>> 32);
            int right = (int) unmix(key);
            String merged = tokens.get(left) + tokens.get(right);
            if (ids.containsKey(merged)) {
                banned.add(key); // another pair already produced this string: keep token strings unique
                continue;
            }
            int newId = tokens.size();
            tokens.add(merged);
            ids.put(merged, newId);
            merges.add(new String[] {tokens.get(left), tokens.get(right)});

            Set<Long> changed = new HashSet<>();
            IntSet affected = where.remove(key);
            int[] list = affected == null ? new int[0] : affected.sortedValues();
            for (int wi : list) {
                int[] s = words[wi];
                int[] out = mergePair(s, left, right, newId);
                if (out == s) {
                    continue;
                }
                long c = counts[wi];
                for (int j = 0; j + 1 < s.length; j++) {
                    long k = key(s[j], s[j + 1]);
                    pairCount.get(k)[0] -= c;
                    changed.add(k);
                }
                for (int j = 0; j + 1 < out.length; j++) {
                    long k = key(out[j], out[j + 1]);
                    pairCount.computeIfAbsent(k, x -> new long[1])[0] += c;
                    changed.add(k);
                    if (k != key) {
                        where.computeIfAbsent(k, x -> new IntSet()).add(wi);
                    }
                }
                words[wi] = out;
            }
            pairCount.remove(key);
            changed.remove(key);
            changed.stream().sorted().forEach(k -> {
                long[] cnt = pairCount.get(k);
                if (cnt != null && cnt[0] > 0) {
                    queue.add(new long[] {cnt[0], k});
                } else if (cnt != null) {
                    pairCount.remove(k);
                }
            });
        }
        return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
    }

    /** {@code s} with every non-overlapping (left, right) occurrence, scanned left to right, replaced by merged. */
    private static int[] mergePair(int[] s, int left, int right, int merged) {
        int[] out = null;
        int o = 0;
        for (int j = 0; j < s.length; j++) {
            if (j + 1 < s.length && s[j] == left && s[j + 1] == right) {
                if (out == null) {
                    out = new int[s.length - 1];
                    System.arraycopy(s, 0, out, 0, j);
                    o = j;
                }
                out[o++] = merged;
                j++;
            } else if (out != null) {
                out[o++] = s[j];
            }
        }
        return out == null ? s : Arrays.copyOf(out, o);
    }

    /**
     * A pair's map key: {@code (left << 32 | right)} times an odd constant, an invertible mix (Long's own hash of
     * small id pairs collides badly). {@link #unmix} recovers the plain key.
     */
    private static long key(int left, int right) {
        return (((long) left << 32) | (right & 0xffffffffL)) * MIX;
    }

    private static long unmix(long key) {
        return key * MIX_INVERSE;
    }

    private static final long MIX = 0x9E3779B97F4A7C15L;
    private static final long MIX_INVERSE = inverse(MIX);

    /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long odd) {
        long x = odd;
        for (int i = 0; i < 6; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }

    /** Deterministic word-frequency table in byte-level characters ("Ġ" is the space). */
    static Map<String, Long> corpus(int vocabSize) {
        SplittableRandom rng = new SplittableRandom(CORPUS_SEED);
        Map<String, Long> corpus = new LinkedHashMap<>();
        // common English words, Zipf-like counts well above the generated words
        for (int r = 0; r < COMMON.length; r++) {
            long c = 4_000_000L / (r + 1);
            addWord(corpus, COMMON[r], c);
        }
        // generated pseudo-words: enough distinct material for the merges asked for. The table is the same for every
        // vocabulary up to 32000, so a smaller vocabulary's tables are a prefix of a larger one's.
        int target = Math.max(25_600, (int) (vocabSize * 0.8));
        Set<String> seen = new HashSet<>(Arrays.asList(COMMON));
        int rank = 0;
        int attempts = 0;
        while (seen.size() - COMMON.length < target && attempts++ < target * 50) {
            String word = pseudoWord(rng);
            if (!seen.add(word)) {
                continue;
            }
            long c = Math.max(2, 2_000_000L / (rank + 20));
            rank++;
            addWord(corpus, word, c);
        }
        for (int i = 0; i < 1000; i++) {
            long c = Math.max(2, 200_000L / (i + 5));
            corpus.merge("Ġ" + i, c, Long::sum);
            corpus.merge(Integer.toString(i), c / 4 + 1, Long::sum);
        }
        for (int i = 0; i < PUNCT.length; i++) {
            corpus.merge(PUNCT[i], 3_000_000L / (i + 1), Long::sum);
        }
        return corpus;
    }

    private static void addWord(Map<String, Long> corpus, String word, long count) {
        corpus.merge("Ġ" + word, count, Long::sum);
        corpus.merge(word, count / 4 + 1, Long::sum);
        String cap = word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
        corpus.merge("Ġ" + cap, count / 8 + 1, Long::sum);
        corpus.merge(cap, count / 16 + 1, Long::sum);
    }

    private static String pseudoWord(SplittableRandom rng) {
        int syllables = 1 + rng.nextInt(4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < syllables; i++) {
            sb.append(ONSETS[rng.nextInt(ONSETS.length)]);
            sb.append(VOWELS[rng.nextInt(VOWELS.length)]);
            if (i == syllables - 1 || rng.nextInt(3) == 0) {
                sb.append(CODAS[rng.nextInt(CODAS.length)]);
            }
        }
        return sb.toString();
    }

    /** A small growable set of ints (word indices), cheaper than a boxed HashSet for this use. */
    private static final class IntSet {
        private int[] values = new int[4];
        private int size;
        private int lastAdded = -1;

        void add(int v) {
            if (v == lastAdded) {
                return; // the common case: the same word adds the same pair twice in a row
            }
            lastAdded = v;
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int[] sortedValues() {
            return Arrays.stream(values, 0, size).sorted().distinct().toArray();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // tokenizer.json

    /** The Hugging Face {@code tokenizer.json} of {@code vocab}: BPE model, ByteLevel pre-tokenizer and decoder. */
    public static ObjectNode tokenizerJson(Vocabulary vocab) {
        return ByteLevelTokenizerJson.tokenizer(vocab.tokens(), vocab.merges());
    }
}
