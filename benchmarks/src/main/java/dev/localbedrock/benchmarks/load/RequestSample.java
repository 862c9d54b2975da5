package dev.localbedrock.benchmarks.load;

import java.util.ArrayList;
import java.util.List;

/**
 * What one request measured. Times are {@link System#nanoTime()} values; {@code firstTokenNanos} is -1 when no
 * token arrived (or the mode has no per-token timing). Inter-token gaps are per token: a chunk that carries
 * {@code k} tokens after a gap {@code g} adds {@code k} gaps of {@code g / k}. Not thread-safe: one request, one
 * thread.
 */
public final class RequestSample {
    final long startNanos;
    long firstTokenNanos = -1;
    long endNanos;
    int outputTokens;
    int promptTokens = -1;
    String error;
    private long lastTokenAt;
    final List<Double> interTokenMillis = new ArrayList<>();

    public RequestSample(long startNanos) {
        this.startNanos = startNanos;
    }

    public boolean ok() {
        return error == null;
    }

    public String error() {
        return error;
    }

    public int outputTokens() {
        return outputTokens;
    }

    public int promptTokens() {
        return promptTokens;
    }

    /** Milliseconds from sending to the first token, or NaN. */
    public double ttftMillis() {
        return firstTokenNanos < 0 ? Double.NaN : (firstTokenNanos - startNanos) / 1e6;
    }

    public double latencyMillis() {
        return (endNanos - startNanos) / 1e6;
    }

    public List<Double> interTokenMillis() {
        return interTokenMillis;
    }

    /** Records that the output count reached {@code totalTokens} at {@code now} (a streamed chunk arrived). */
    public void tokensAt(long now, int totalTokens) {
        int added = totalTokens - outputTokens;
        if (added <= 0) {
            return;
        }
        if (firstTokenNanos < 0) {
            firstTokenNanos = now;
            added--; // the first token's time is the TTFT, not a gap
        }
        if (added > 0 && lastTokenAt > 0) {
            double gap = (now - lastTokenAt) / 1e6 / added;
            for (int i = 0; i < added; i++) {
                interTokenMillis.add(gap);
            }
        }
        lastTokenAt = now;
        outputTokens = totalTokens;
    }

    /** Sets the output count without timing it (a unary response, or tokens whose arrival was not seen). */
    public void outputTokens(int total) {
        outputTokens = total;
    }

    public void promptTokens(int count) {
        promptTokens = count;
    }

    public void fail(String message) {
        if (error == null) {
            error = message;
        }
    }

    public void end(long now) {
        endNanos = now;
    }
}
