package dev.localbedrock.knowledge.extract;

import java.io.Writer;

/**
 * A text buffer that refuses to grow past the document's character limit, so extraction of an oversized or
 * decompression-bomb document stops early rather than after the whole text is in memory.
 */
final class BoundedText extends Writer {
    /** Unchecked so it can cross library callbacks (PDFBox writes through {@link Writer}); Extractors maps it. */
    static final class LimitExceeded extends RuntimeException {
        LimitExceeded(int limit) {
            super("the extracted text passes " + limit + " characters", null, false, false);
        }
    }

    private final StringBuilder text = new StringBuilder();
    private final int limit;

    BoundedText(int limit) {
        this.limit = limit;
    }

    BoundedText append(String s) {
        ensureRoom(s.length());
        text.append(s);
        return this;
    }

    @Override
    public BoundedText append(char c) {
        ensureRoom(1);
        text.append(c);
        return this;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
        ensureRoom(length);
        text.append(chars, offset, length);
    }

    @Override
    public void write(String s, int offset, int length) {
        ensureRoom(length);
        text.append(s, offset, offset + length);
    }

    /** Whether the text so far ends with a line break or is empty (used to avoid doubling separators). */
    boolean atLineStart() {
        return text.isEmpty() || text.charAt(text.length() - 1) == '\n';
    }

    /** Whether the text so far ends with whitespace or is empty. */
    boolean atWordStart() {
        return text.isEmpty() || Character.isWhitespace(text.charAt(text.length() - 1));
    }

    int length() {
        return text.length();
    }

    private void ensureRoom(int more) {
        if ((long) text.length() + more > limit) {
            throw new LimitExceeded(limit);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
