package dev.localbedrock.runtime.capacity;

/**
 * Counts one load level's events inside its measurement window. Every event carries the time it happened (the
 * caller's clock), and only events inside [{@link #open}, {@link #close}] count: the warm-up before the window and
 * the drain after it are load, not measurement. Tokens are counted when they are produced rather than when their
 * request ends, so a request straddling an edge of the window contributes exactly its tokens inside it.
 *
 * <p>Thread-safe: the model's scheduler thread reports tokens while the load driver opens and closes the window.
 */
final class LevelRecorder {
    private final int concurrency;
    private final LatencySamples interToken = new LatencySamples();
    private final LatencySamples firstToken = new LatencySamples();
    private long openedAt = Long.MIN_VALUE;
    private long closedAt = Long.MIN_VALUE;
    private boolean open;
    private long completed;
    private long failed;
    private long inputTokens;
    private long outputTokens;

    LevelRecorder(int concurrency) {
        this.concurrency = concurrency;
    }

    synchronized void open(long now) {
        openedAt = now;
        open = true;
    }

    /** Ends the window and returns what it measured; later events are ignored. */
    synchronized LevelResult close(long now) {
        if (!open) {
            throw new IllegalStateException("the measurement window was never opened");
        }
        open = false;
        closedAt = now;
        return new LevelResult(concurrency, closedAt - openedAt, completed, failed, inputTokens, outputTokens,
                interToken.percentile(0.50), interToken.percentile(0.99), firstToken.percentile(0.99),
                interToken.count());
    }

    /**
     * A request's first text arrived at {@code now}, {@code sinceSubmit} after it was submitted: its prompt of
     * {@code promptTokens} has been processed and {@code tokens} tokens generated.
     */
    synchronized void firstText(long now, long sinceSubmit, int promptTokens, int tokens) {
        if (counts(now)) {
            firstToken.add(sinceSubmit);
            inputTokens += promptTokens;
            outputTokens += tokens;
        }
    }

    /**
     * Later text of a request: {@code tokens} more tokens, {@code gap} after its previous text. A gap that brought
     * several tokens (text held back until a UTF-8 character or a possible stop sequence completes) is counted as
     * that many tokens of {@code gap / tokens} each, so the latency is per token, as the scheduler produces them.
     */
    synchronized void moreText(long now, long gap, int tokens) {
        if (counts(now) && tokens > 0) {
            outputTokens += tokens;
            for (int i = 0; i < tokens; i++) {
                interToken.add(gap / tokens);
            }
        }
    }

    /** Tokens that ended a request without text of their own (counted, with no latency sample). */
    synchronized void silentTokens(long now, int tokens) {
        if (counts(now) && tokens > 0) {
            outputTokens += tokens;
        }
    }

    synchronized void completed(long now) {
        if (counts(now)) {
            completed++;
        }
    }

    synchronized void failed(long now) {
        if (counts(now)) {
            failed++;
        }
    }

    private boolean counts(long now) {
        return open && now >= openedAt;
    }
}
