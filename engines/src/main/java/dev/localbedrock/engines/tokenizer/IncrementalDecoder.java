package dev.localbedrock.engines.tokenizer;

import dev.localbedrock.engines.TextTokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids, fed one at a time, into text deltas that are safe to stream.
 *
 * <p>Decoding token by token is wrong in two ways: SentencePiece tokenizers drop the leading space of a decoded string
 * (so " world" would come out as "world"), and a byte-fallback character split over several tokens decodes to U+FFFD
 * until its last byte arrives. This follows Hugging Face text-generation-inference: keep a {@code prefixOffset} and a
 * {@code readOffset} into the id list, decode {@code ids[prefixOffset:readOffset]} and {@code ids[prefixOffset:]},
 * and emit what the second adds to the first. The preceding token(s) give the decoder its context, so spaces survive;
 * while the decoded tail ends in U+FFFD nothing is emitted and the offsets stay put, so half a character is never
 * sent. {@link #flush()} releases whatever is left (incomplete bytes as U+FFFD) at the end.
 *
 * <p>Each step decodes only the short window from {@code prefixOffset}, so the cost does not grow with the output.
 * Not thread-safe: one per generation.
 */
public final class IncrementalDecoder {
    /** How many prompt tokens give the first generated token its context (as text-generation-inference does). */
    public static final int PROMPT_CONTEXT_TOKENS = 5;
    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private int[] ids;
    private int size;
    private int prefixOffset;
    private int readOffset;

    /** A decoder with no context: the first token decodes as if it started the text. */
    public IncrementalDecoder(TextTokenizer tokenizer) {
        this(tokenizer, new int[0]);
    }

    /**
     * A decoder whose first generated token is decoded after the last {@value #PROMPT_CONTEXT_TOKENS} ids of
     * {@code promptIds}, so that, e.g., a generated "▁world" after "Hello" yields " world" with its space.
     */
    public IncrementalDecoder(TextTokenizer tokenizer, int[] promptIds) {
        this.tokenizer = tokenizer;
        int context = Math.min(PROMPT_CONTEXT_TOKENS, promptIds.length);
        this.ids = Arrays.copyOfRange(promptIds, promptIds.length - context, promptIds.length + 16);
        this.size = context;
        this.prefixOffset = 0;
        this.readOffset = context;
    }

    /** Adds one generated id and returns the text it completes; empty while a character or word is incomplete. */
    public String push(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String prefixText = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String newText = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size));
        if (newText.length() > prefixText.length() && newText.charAt(newText.length() - 1) != REPLACEMENT) {
            prefixOffset = readOffset;
            readOffset = size;
            compact();
            return delta(prefixText, newText);
        }
        return "";
    }

    /** Returns the text still held back (an incomplete character decodes to U+FFFD) and resets the window. */
    public String flush() {
        if (readOffset == size) {
            return "";
        }
        String prefixText = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String newText = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size));
        prefixOffset = readOffset;
        readOffset = size;
        compact();
        return newText.length() > prefixText.length() ? delta(prefixText, newText) : "";
    }

    private static String delta(String prefixText, String newText) {
        return newText.substring(prefixText.length());
    }

    /** Drops ids before {@code prefixOffset}; they are never decoded again. */
    private void compact() {
        if (prefixOffset > 0) {
            System.arraycopy(ids, prefixOffset, ids, 0, size - prefixOffset);
            size -= prefixOffset;
            readOffset -= prefixOffset;
            prefixOffset = 0;
        }
    }
}
