package dev.localbedrock.benchmarks.load;

import java.time.Duration;

/**
 * The same load for every side: a fixed prompt of {@code promptTokens} tokens, {@code outputTokens} generated greedily,
 * {@code requests} requests at most per concurrency level (plus {@code warmup} unmeasured ones first), and no new
 * request after {@code maxDuration}.
 */
public record Workload(String prompt, int promptTokens, int outputTokens, boolean stream, int requests, int warmup,
                       Duration maxDuration) {
    public Workload {
        if (outputTokens <= 0 || requests <= 0 || warmup < 0) {
            throw new IllegalArgumentException("output tokens and requests must be positive, warmup >= 0");
        }
    }
}
