package dev.localbedrock.knowledge.chunk;

import java.util.Arrays;

/**
 * Where a chunk may end in one text, finest last: paragraph ends (before a blank line), sentence ends (after
 * {@code . ! ?} and the like, closing quotes and brackets included, or at a line break) and word ends. Each
 * position is just after a non-whitespace character, so a chunk ending there carries no trailing whitespace; the
 * coarser lists are subsets of the finer ones. Word starts are kept too, for where an overlap may begin.
 */
final class Boundaries {
    final int[] paragraphEnds;
    final int[] sentenceEnds;
    final int[] wordEnds;
    final int[] wordStarts;

    private Boundaries(int[] paragraphEnds, int[] sentenceEnds, int[] wordEnds, int[] wordStarts) {
        this.paragraphEnds = paragraphEnds;
        this.sentenceEnds = sentenceEnds;
        this.wordEnds = wordEnds;
        this.wordStarts = wordStarts;
    }

    static Boundaries of(String text) {
        IntList paragraphs = new IntList();
        IntList sentences = new IntList();
        IntList wordEnds = new IntList();
        IntList wordStarts = new IntList();
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean space = Character.isWhitespace(c);
            if (!space && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                wordStarts.add(i);
            }
            if (space) {
                continue;
            }
            boolean wordEnd = i + 1 == n || Character.isWhitespace(text.charAt(i + 1));
            if (wordEnd) {
                int newlines = newlinesAfter(text, i + 1);
                wordEnds.add(i + 1);
                if (newlines > 0 || endsSentence(text, i)) {
                    sentences.add(i + 1);
                }
                if (newlines >= 2) {
                    paragraphs.add(i + 1);
                }
            } else if (isWidePeriod(c)) {
                // CJK text puts no space after a full stop; the sentence still ends there.
                sentences.add(i + 1);
            }
        }
        return new Boundaries(paragraphs.toArray(), sentences.toArray(), wordEnds.toArray(), wordStarts.toArray());
    }

    /** The largest entry of {@code sorted} in {@code (after, atMost]}, or -1. */
    static int lastIn(int[] sorted, int after, int atMost) {
        int i = Arrays.binarySearch(sorted, atMost);
        int index = i >= 0 ? i : -i - 2;
        return index >= 0 && sorted[index] > after ? sorted[index] : -1;
    }

    private static int newlinesAfter(String text, int from) {
        int count = 0;
        for (int j = from; j < text.length() && Character.isWhitespace(text.charAt(j)); j++) {
            if (text.charAt(j) == '\n') {
                count++;
            }
        }
        return count;
    }

    private static boolean endsSentence(String text, int last) {
        int j = last;
        // Closing quotes and brackets after the stop: `He said "yes."` ends at the quote.
        while (j > 0 && "\"')]}\u201D\u2019\u00BB".indexOf(text.charAt(j)) >= 0) {
            j--;
        }
        char c = text.charAt(j);
        return c == '.' || c == '!' || c == '?' || c == '\u2026' || c == ';' || isWidePeriod(c);
    }

    private static boolean isWidePeriod(char c) {
        return c == '\u3002' || c == '\uFF01' || c == '\uFF1F' || c == '\uFF0E';
    }

    private static final class IntList {
        private int[] values = new int[64];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
