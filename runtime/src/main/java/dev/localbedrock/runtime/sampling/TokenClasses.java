package dev.localbedrock.runtime.sampling;

import dev.localbedrock.engines.TextTokenizer;

import java.util.Locale;
import java.util.Set;

/**
 * The kind of text each vocabulary id stands for, so AI21's {@code applyTo*} penalty flags can be honoured. Built once
 * per model by decoding every id on its own (the one-off cost of {@code vocabSize} decodes), then a byte lookup.
 *
 * <p>Classification of a token's decoded text {@code s}, first match wins:
 * <ol>
 *   <li>{@link #SPECIAL}: the model's BOS/EOS ids (never penalised: they are not text);</li>
 *   <li>{@link #WHITESPACE}: {@code s} is empty or only whitespace (spaces, tabs, newlines; SentencePiece's lone
 *       {@code ▁} decodes to nothing);</li>
 *   <li>{@link #EMOJI}: {@code s} contains a code point from the emoji blocks (U+1F000–U+1FAFF, U+2600–U+27BF,
 *       U+2B00–U+2BFF, U+FE0F);</li>
 *   <li>{@link #NUMBER}: the stripped text is all decimal digits;</li>
 *   <li>{@link #PUNCTUATION}: the stripped text has no letter or digit (punctuation and symbols);</li>
 *   <li>{@link #STOPWORD}: the stripped, lower-cased text is an English stopword;</li>
 *   <li>otherwise 0: an ordinary token, always subject to penalties.</li>
 * </ol>
 * Byte-fallback pieces of a multi-byte character decode to U+FFFD and are ordinary tokens.
 */
public final class TokenClasses {
    public static final int WHITESPACE = 1;
    public static final int PUNCTUATION = 1 << 1;
    public static final int NUMBER = 1 << 2;
    public static final int STOPWORD = 1 << 3;
    public static final int EMOJI = 1 << 4;
    public static final int SPECIAL = 1 << 5;

    /** No classification: every id is an ordinary token. */
    public static final TokenClasses NONE = new TokenClasses(new byte[0]);

    private static final Set<String> STOPWORDS = Set.of(
            "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
            "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
            "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
            "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
            "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not",
            "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
            "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
            "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
            "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
            "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves");

    private final byte[] classes;

    private TokenClasses(byte[] classes) {
        this.classes = classes;
    }

    /** Classifies ids {@code [0, vocabSize)} by decoding each alone; {@code specialIds} are {@link #SPECIAL}. */
    public static TokenClasses of(TextTokenizer tokenizer, int vocabSize, Set<Integer> specialIds) {
        byte[] classes = new byte[vocabSize];
        int[] one = new int[1];
        for (int id = 0; id < vocabSize; id++) {
            if (specialIds.contains(id)) {
                classes[id] = SPECIAL;
                continue;
            }
            one[0] = id;
            classes[id] = (byte) classify(tokenizer.decode(one));
        }
        return new TokenClasses(classes);
    }

    /** Builds from precomputed classes (tests, or a tokenizer-free caller). */
    public static TokenClasses of(byte[] classes) {
        return new TokenClasses(classes.clone());
    }

    /** The class bits of {@code id}; 0 for ids outside the table. */
    public int classOf(int id) {
        return id >= 0 && id < classes.length ? classes[id] : 0;
    }

    /** The class of a token's decoded text (without the {@link #SPECIAL} rule, which needs the id). */
    public static int classify(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            return WHITESPACE;
        }
        boolean allDigits = true;
        boolean anyLetterOrDigit = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isEmoji(cp)) {
                return EMOJI;
            }
            allDigits &= Character.isDigit(cp);
            anyLetterOrDigit |= Character.isLetterOrDigit(cp) || cp == 0xFFFD;
            i += Character.charCount(cp);
        }
        if (allDigits) {
            return NUMBER;
        }
        if (!anyLetterOrDigit) {
            return PUNCTUATION;
        }
        return STOPWORDS.contains(s.toLowerCase(Locale.ROOT)) ? STOPWORD : 0;
    }

    private static boolean isEmoji(int cp) {
        return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF)
                || cp == 0xFE0F;
    }
}
