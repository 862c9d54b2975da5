package dev.localbedrock.runtime.invocationlog;

import java.time.Duration;

/**
 * How each destination buffers and retries.
 *
 * @param bufferRecords  records a destination holds while it delivers or retries; one more is dropped (and counted)
 * @param bufferBytes    body bytes it holds, the bound that matters when bodies are large
 * @param batchRecords   records written together (one S3 object per hour of records, one append to a log file)
 * @param linger         how long a batch waits for more records after its first
 * @param initialBackoff the wait after a first failed attempt; doubled after each further one
 * @param maxBackoff     the longest wait between attempts
 * @param maxAge         how long a batch is retried, from its first attempt, before it is given up (the guide's 24 hours)
 */
public record DeliveryPolicy(int bufferRecords, long bufferBytes, int batchRecords, Duration linger,
                             Duration initialBackoff, Duration maxBackoff, Duration maxAge) {
    public static final DeliveryPolicy DEFAULT = new DeliveryPolicy(10_000, 64L << 20, 500, Duration.ofSeconds(1),
            Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofHours(24));

    public DeliveryPolicy {
        if (bufferRecords < 1 || bufferBytes < 1 || batchRecords < 1) {
            throw new IllegalArgumentException("buffer and batch sizes must be positive");
        }
    }
}
