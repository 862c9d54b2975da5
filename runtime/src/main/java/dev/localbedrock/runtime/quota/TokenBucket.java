package dev.localbedrock.runtime.quota;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * One per-minute allowance as a token bucket: it holds at most one minute's allowance and refills continuously (an
 * allowance of 3 per minute gains one every 20 s). Charges may overdraw it; {@link #tryTake} never does.
 *
 * <p>Thread-safe and non-blocking: the level is one immutable snapshot swapped by compare-and-set, so decode threads
 * and the scheduler thread never wait on each other. The level is fixed-point (one unit =
 * {@link #NANOS_PER_MINUTE} sub-units, refilled by the per-minute figure every nanosecond), which keeps boundaries
 * exact: no rounding decides whether the 4th request of a minute passes.
 */
final class TokenBucket {
    static final long NANOS_PER_MINUTE = 60_000_000_000L;
    /** The largest allowance a bucket holds exactly; larger ones are clamped to it (38 million per minute). */
    static final long MAX_PER_MINUTE = Long.MAX_VALUE / NANOS_PER_MINUTE / 4;

    private final long perMinute;
    private final long capacity;
    private final LongSupplier nanos;
    private final AtomicReference<Level> level;
    /**
     * What this bucket has taken (less what it gave back) since it last met the {@link UsageLedger}, in sub-units:
     * the part of its level other replicas have not seen yet.
     */
    private final AtomicLong unsent = new AtomicLong();

    /**
     * The level this bucket was given at its last meeting (its share of the shared level), in sub-units; zero
     * before the first. {@link #spentHalfItsShare} compares the level with it.
     */
    private volatile long share;

    /** The level at {@code atNanos}, in sub-units. */
    private record Level(long units, long atNanos) {
    }

    /**
     * @param perMinute the allowance per minute, positive; above {@link #MAX_PER_MINUTE} it is clamped to that
     * @param nanos     the clock ({@code System::nanoTime} in service; a manual one in tests)
     */
    TokenBucket(long perMinute, LongSupplier nanos) {
        if (perMinute <= 0) {
            throw new IllegalArgumentException("per-minute allowance must be positive: " + perMinute);
        }
        this.perMinute = Math.min(perMinute, MAX_PER_MINUTE);
        this.capacity = this.perMinute * NANOS_PER_MINUTE;
        this.nanos = nanos;
        this.level = new AtomicReference<>(new Level(capacity, nanos.getAsLong()));
    }

    long perMinute() {
        return perMinute;
    }

    /** Whether the bucket holds more than nothing (an overdrawn or empty one does not). */
    boolean hasCredit() {
        return refilled(level.get()).units() > 0;
    }

    /** Takes {@code units} whole units when the bucket holds at least that many; false (taking nothing) otherwise. */
    boolean tryTake(long units) {
        long amount = saturatingMultiply(units, NANOS_PER_MINUTE);
        while (true) {
            Level seen = level.get();
            Level now = refilled(seen);
            if (now.units() < amount) {
                return false;
            }
            if (level.compareAndSet(seen, new Level(now.units() - amount, now.atNanos()))) {
                unsent.addAndGet(amount);
                return true;
            }
        }
    }

    /** Takes {@code units}, overdrawing the bucket if need be (a charge for work already done). */
    void charge(long units) {
        if (units > 0) {
            long amount = saturatingMultiply(units, NANOS_PER_MINUTE);
            add(-amount);
            unsent.addAndGet(amount);
        }
    }

    /** Gives back {@code units}, never beyond a full bucket. */
    void refund(long units) {
        if (units > 0) {
            long amount = saturatingMultiply(units, NANOS_PER_MINUTE);
            add(amount);
            unsent.addAndGet(-amount);
        }
    }

    /**
     * Meets the shared ledger: sends what this replica took since the last meeting and takes its share of the
     * ledger's level (which every replica's takings and one refill at the allowance have made) as its own, less what
     * was taken here meanwhile. The share is the level divided among the replicas meeting this bucket, since between
     * meetings no replica sees what the others take: so replicas together admit the level once, give or take what
     * the others took since they last met, which {@link #spentHalfItsShare} keeps to a fraction of their shares.
     * Between meetings the bucket refills locally, so a replica cut off from the ledger degrades to counting alone.
     *
     * @throws RuntimeException when the ledger cannot be reached; what was unsent stays unsent
     */
    void meet(UsageLedger ledger, String key) {
        long sent = unsent.getAndSet(0);
        UsageLedger.Share shared;
        try {
            shared = ledger.exchange(key, perMinute, sent);
        } catch (RuntimeException e) {
            unsent.addAndGet(sent);
            throw e;
        }
        long now = nanos.getAsLong();
        while (true) {
            Level seen = level.get();
            long units = Math.min(capacity, saturatingAdd(shared.part(), -unsent.get()));
            if (level.compareAndSet(seen, new Level(units, Math.max(now, seen.atNanos())))) {
                share = units;
                return;
            }
        }
    }

    /**
     * Whether this bucket has spent half of what its last meeting gave it: then it should meet again before its
     * next round is due, since what it spends between meetings is what the other replicas cannot see, and near
     * the end of an allowance that is what they overspend by.
     */
    boolean spentHalfItsShare() {
        long given = share;
        return given > 0 && refilled(level.get()).units() < given / 2;
    }

    /** The sub-units one minute's allowance is: what a full bucket holds. */
    long capacity() {
        return capacity;
    }

    private void add(long amount) {
        while (true) {
            Level seen = level.get();
            Level now = refilled(seen);
            long units = Math.min(capacity, saturatingAdd(now.units(), amount));
            if (level.compareAndSet(seen, new Level(units, now.atNanos()))) {
                return;
            }
        }
    }

    /** {@code seen} refilled up to the clock's now (a clock that steps back refills nothing). */
    private Level refilled(Level seen) {
        long now = nanos.getAsLong();
        long elapsed = Math.max(0, now - seen.atNanos());
        // After a minute the bucket is full unless overdrawn; the ten-minute cap keeps elapsed × rate inside a long,
        // and an overdraft deeper than ten minutes' allowance is not something a charge can reach in practice.
        elapsed = Math.min(elapsed, 10 * NANOS_PER_MINUTE);
        long units = Math.min(capacity, saturatingAdd(seen.units(), saturatingMultiply(elapsed, perMinute)));
        return new Level(units, Math.max(now, seen.atNanos()));
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
