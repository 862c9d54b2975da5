package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.catalog.ModelEntry;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Enforces one model's {@link Quota} with two token buckets, each holding at most one minute's allowance and refilled
 * continuously (a quota of 3 requests per minute gains one request every 20 s).
 *
 * <p>The exact rule: a request is admitted when the request bucket holds at least one whole request and the token
 * bucket holds more than nothing; admission takes one request. Tokens are charged once they are known — the prompt's
 * when the model starts on it, the output's when it finishes — so a long generation may overdraw the token bucket;
 * the requests that follow are refused until the refill has brought it back above zero. A refused request takes
 * nothing from either bucket.
 *
 * <p>Thread-safe and non-blocking: the state is one immutable snapshot swapped by compare-and-set, so decode threads
 * and the scheduler thread never wait on each other. The levels are fixed-point (one request or token =
 * {@link #NANOS_PER_MINUTE} units, refilled by the per-minute figure every nanosecond), which keeps the boundary
 * exact: no rounding decides whether the 4th request of a minute passes.
 */
public final class QuotaLimiter {
    static final long NANOS_PER_MINUTE = 60_000_000_000L;

    private final String modelId;
    private final Quota quota;
    private final LongSupplier nanos;
    private final AtomicReference<Levels> levels;

    /** The levels at {@code atNanos}, in units of 1/{@link #NANOS_PER_MINUTE} request or token. */
    private record Levels(long requests, long tokens, long atNanos) {
    }

    /**
     * @param modelId the id named in the refusal
     * @param nanos   the clock ({@code System::nanoTime} in service; a manual one in tests)
     */
    /** The limiter an entry's quota asks for, on the system clock; null when the quota is unlimited. */
    public static QuotaLimiter forEntry(ModelEntry entry) {
        Quota quota = entry.quota();
        return quota == null || quota.unlimited() ? null : new QuotaLimiter(entry.id(), quota, System::nanoTime);
    }

    public QuotaLimiter(String modelId, Quota quota, LongSupplier nanos) {
        this.modelId = modelId;
        this.quota = quota;
        this.nanos = nanos;
        this.levels = new AtomicReference<>(new Levels(capacity(quota.requestsPerMinute()),
                capacity(quota.tokensPerMinute()), nanos.getAsLong()));
    }

    public Quota quota() {
        return quota;
    }

    /**
     * Admits one request, taking it from the request bucket.
     *
     * @throws InferenceFailure {@link InferenceFailure.Kind#OVERLOADED} (ThrottlingException), naming the quota, when
     *                          either bucket is exhausted; nothing is taken then
     */
    public void admit() {
        while (true) {
            Levels seen = levels.get();
            Levels now = refilled(seen);
            if (quota.requestsPerMinute() > 0 && now.requests() < NANOS_PER_MINUTE) {
                throw refusal("requests", quota.requestsPerMinute());
            }
            if (quota.tokensPerMinute() > 0 && now.tokens() <= 0) {
                throw refusal("tokens", quota.tokensPerMinute());
            }
            long requests = quota.requestsPerMinute() > 0 ? now.requests() - NANOS_PER_MINUTE : now.requests();
            if (levels.compareAndSet(seen, new Levels(requests, now.tokens(), now.atNanos()))) {
                return;
            }
        }
    }

    /** Gives back the request {@link #admit} took, for a request that was refused further on and never ran. */
    public void refund() {
        if (quota.requestsPerMinute() > 0) {
            update(NANOS_PER_MINUTE, 0);
        }
    }

    /** Charges {@code tokens} processed (prompt or output) to the token bucket, overdrawing it if need be. */
    public void charge(long tokens) {
        if (quota.tokensPerMinute() > 0 && tokens > 0) {
            update(0, -saturatingMultiply(tokens, NANOS_PER_MINUTE));
        }
    }

    private void update(long requestUnits, long tokenUnits) {
        while (true) {
            Levels seen = levels.get();
            Levels now = refilled(seen);
            long requests = Math.min(capacity(quota.requestsPerMinute()), now.requests() + requestUnits);
            long tokens = saturatingAdd(now.tokens(), tokenUnits);
            if (levels.compareAndSet(seen, new Levels(requests, tokens, now.atNanos()))) {
                return;
            }
        }
    }

    /** {@code seen} refilled up to the clock's now (a clock that steps back refills nothing). */
    private Levels refilled(Levels seen) {
        long now = nanos.getAsLong();
        long elapsed = Math.max(0, now - seen.atNanos());
        // After a minute both buckets are full, unless the token one is overdrawn; past ten minutes nothing changes
        // for any level the limiter can reach, and the cap keeps elapsed × rate inside a long.
        elapsed = Math.min(elapsed, 10 * NANOS_PER_MINUTE);
        long requests = Math.min(capacity(quota.requestsPerMinute()),
                seen.requests() + elapsed * quota.requestsPerMinute());
        long tokens = Math.min(capacity(quota.tokensPerMinute()),
                saturatingAdd(seen.tokens(), elapsed * quota.tokensPerMinute()));
        return new Levels(requests, tokens, Math.max(now, seen.atNanos()));
    }

    private InferenceFailure refusal(String unit, int perMinute) {
        return new InferenceFailure(InferenceFailure.Kind.OVERLOADED, "Too many " + unit
                + ", please wait before trying again. You have exceeded the on-demand quota of " + perMinute + " "
                + unit + " per minute for " + modelId + ".");
    }

    private static long capacity(int perMinute) {
        return perMinute * NANOS_PER_MINUTE;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
        return sum;
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high == 0 && low >= 0) ? low : Long.MAX_VALUE / 2;
    }
}
