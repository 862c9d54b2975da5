package dev.localbedrock.knowledge.chunk;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document into chunks that each fit the embedding model: every chunk's {@link TokenCounter} count is at
 * most {@code maxTokens}. A document that fits is one chunk, whole (the guide: documents under 200 tokens are not
 * split). Otherwise chunks are cut greedily, each as long as fits, ending at the last paragraph end that fits, or
 * else the last sentence end, or else the last word end; a paragraph or sentence end is passed over when it would
 * leave the chunk less than half as long as what fits, so one short paragraph does not become a tiny chunk. A single
 * word too long for a chunk is cut by characters (never inside a surrogate pair).
 *
 * <p>With an overlap of p percent (Bedrock's {@code FIXED_SIZE.overlapPercentage}), each chunk after the first
 * starts with whole words from the end of the previous chunk, about p percent of its tokens (special tokens not
 * counted), then continues with new text; the overlap shrinks or goes when new text would not fit beside it.
 *
 * <p>Nothing is lost: leaving each chunk's overlap out, the chunks are consecutive pieces of the document with only
 * whitespace between them. The result depends on the text and the counter alone. Counting is done on spans about a
 * chunk long, found by galloping and binary search, so the cost grows with the document's length, not its square;
 * the limit is checked on the exact text of every chunk, so it holds even for a counter that is not monotonic.
 */
public final class Chunker {
    /** The guide's default: chunks of at most 200 tokens. */
    public static final int DEFAULT_MAX_TOKENS = 200;

    private final TokenCounter counter;
    private final int maxTokens;
    private final int overlapPercent;

    public Chunker(TokenCounter counter, int maxTokens, int overlapPercent) {
        if (counter == null) {
            throw new IllegalArgumentException("counter is required");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, not " + maxTokens);
        }
        if (overlapPercent < 0 || overlapPercent > 99) {
            throw new IllegalArgumentException("overlapPercent must be between 0 and 99, not " + overlapPercent);
        }
        this.counter = counter;
        this.maxTokens = maxTokens;
        this.overlapPercent = overlapPercent;
    }

    /** At most {@link #DEFAULT_MAX_TOKENS} tokens a chunk, no overlap: what a data source without a strategy gets. */
    public static Chunker defaults(TokenCounter counter) {
        return new Chunker(counter, DEFAULT_MAX_TOKENS, 0);
    }

    /**
     * The document's chunks, in order; empty for a blank document.
     *
     * @throws IllegalArgumentException when even one character does not fit in {@code maxTokens} (a limit smaller
     *     than the model's special tokens)
     */
    public List<Chunk> chunk(String text) {
        int docStart = skipSpace(text, 0);
        int docEnd = text.length();
        while (docEnd > docStart && Character.isWhitespace(text.charAt(docEnd - 1))) {
            docEnd--;
        }
        List<Chunk> chunks = new ArrayList<>();
        if (docStart >= docEnd) {
            return chunks;
        }
        if (fits(text, docStart, docEnd)) {
            chunks.add(new Chunk(text.substring(docStart, docEnd), 0, docStart, docEnd));
            return chunks;
        }
        Pass pass = new Pass(text, docEnd, Boundaries.of(text));
        int start = docStart;
        int coreStart = docStart;
        while (true) {
            int end = pass.chooseEnd(start, coreStart);
            if (end <= coreStart && start < coreStart) {
                start = coreStart; // the overlap leaves no room for new text: drop it for this chunk
                end = pass.chooseEnd(start, coreStart);
            }
            if (end <= coreStart) {
                throw new IllegalArgumentException("maxTokens " + maxTokens + " is too small: the character at "
                        + coreStart + " alone encodes to more tokens");
            }
            chunks.add(new Chunk(text.substring(start, end), chunks.size(), start, end));
            int next = skipSpace(text, end);
            if (next >= docEnd) {
                return chunks;
            }
            start = overlapStart(pass, start, end, next);
            coreStart = next;
        }
    }

    /** Where the next chunk starts: a word start inside the previous chunk [start, end), or {@code next} without overlap. */
    private int overlapStart(Pass pass, int start, int end, int next) {
        if (overlapPercent == 0) {
            return next;
        }
        int overhead = Math.max(0, counter.countTokens(""));
        int content = counter.countTokens(pass.text.substring(start, end)) - overhead;
        int target = content * overlapPercent / 100;
        if (target <= 0) {
            return next;
        }
        int[] starts = pass.boundaries.wordStarts;
        // Word starts strictly inside the previous chunk, so the next one always begins later than it did.
        int lo = firstAbove(starts, start);
        int hi = firstAbove(starts, end - 1) - 1;
        int best = -1;
        while (lo <= hi) { // the earliest word start whose tail of the chunk stays within the target
            int mid = (lo + hi) >>> 1;
            if (counter.countTokens(pass.text.substring(starts[mid], end)) - overhead <= target) {
                best = starts[mid];
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return best < 0 ? next : best;
    }

    private static int firstAbove(int[] sorted, int value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private boolean fits(String text, int from, int to) {
        return counter.countTokens(text.substring(from, to)) <= maxTokens;
    }

    private static int skipSpace(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** State for one document: its boundaries and the last chunk's length, the first guess for the next. */
    private final class Pass {
        final String text;
        final int docEnd;
        final Boundaries boundaries;
        int lengthHint = maxTokens * 4;

        Pass(String text, int docEnd, Boundaries boundaries) {
            this.text = text;
            this.docEnd = docEnd;
            this.boundaries = boundaries;
        }

        /** The end of the chunk that starts at {@code start}; {@code coreStart} or less when no new text fits. */
        int chooseEnd(int start, int coreStart) {
            int limit = farthestFit(start, coreStart);
            if (limit <= coreStart) {
                return limit;
            }
            lengthHint = Math.max(16, limit - start);
            if (limit == docEnd) {
                return docEnd;
            }
            int halfway = start + (limit - start) / 2;
            int end = lastFitting(boundaries.paragraphEnds, start, Math.max(coreStart, halfway - 1), limit);
            if (end < 0) {
                end = lastFitting(boundaries.sentenceEnds, start, Math.max(coreStart, halfway - 1), limit);
            }
            if (end < 0) {
                end = lastFitting(boundaries.wordEnds, start, coreStart, limit);
            }
            if (end < 0) {
                // One word longer than a chunk: cut it where the count allows.
                end = limit;
                while (end > coreStart + 1 && Character.isWhitespace(text.charAt(end - 1))) {
                    end--;
                }
                if (end != limit && !fits(text, start, end)) {
                    end = limit;
                }
            }
            return end;
        }

        /** The last boundary in (after, atMost] whose chunk from {@code start} fits, trying a few back from the end. */
        private int lastFitting(int[] candidates, int start, int after, int atMost) {
            int bound = atMost;
            for (int tries = 0; tries < 4; tries++) {
                int b = Boundaries.lastIn(candidates, after, bound);
                if (b < 0) {
                    return -1;
                }
                if (b == atMost || fits(text, start, b)) {
                    return b; // atMost itself was counted by farthestFit
                }
                bound = b - 1;
            }
            return -1;
        }

        /**
         * The largest end in [coreStart, docEnd] whose span from {@code start} fits, by galloping out from the
         * previous chunk's length and then bisecting; coreStart when not even one character fits.
         */
        private int farthestFit(int start, int coreStart) {
            int lo = coreStart; // fits, or is where nothing new has been added
            int hi; // does not fit
            int step = Math.max(8, lengthHint / 8);
            int guess = snap(Math.min(docEnd, Math.max(coreStart + 1, start + lengthHint)), coreStart);
            if (fits(text, start, guess)) {
                lo = guess;
                while (true) {
                    if (lo == docEnd) {
                        return docEnd;
                    }
                    int probe = snap(Math.min(docEnd, lo + step), lo);
                    if (!fits(text, start, probe)) {
                        hi = probe;
                        break;
                    }
                    lo = probe;
                    step *= 2;
                }
            } else {
                hi = guess;
                while (true) {
                    int probe = snap(hi - step, coreStart);
                    if (probe <= coreStart) {
                        break;
                    }
                    if (fits(text, start, probe)) {
                        lo = probe;
                        break;
                    }
                    hi = probe;
                    step *= 2;
                }
            }
            while (hi - lo > 1) {
                int mid = snap((lo + hi) >>> 1, lo);
                if (mid <= lo) {
                    mid = lo + 2; // lo + 1 would split a surrogate pair
                    if (mid >= hi) {
                        break;
                    }
                }
                if (fits(text, start, mid)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** {@code position}, moved back one if it would split a surrogate pair, but not below {@code floor}. */
        private int snap(int position, int floor) {
            if (position > floor && position < text.length() && Character.isLowSurrogate(text.charAt(position))
                    && Character.isHighSurrogate(text.charAt(position - 1))) {
                return position - 1;
            }
            return position;
        }
    }
}
