package dev.localbedrock.runtime.quota;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a bucket sends to and takes from the shared ledger, against a ledger that records each exchange. */
class LedgerMeetingTest {
    private static final long U = TokenBucket.NANOS_PER_MINUTE;
    private final AtomicLong clock = new AtomicLong(1);

    /** A ledger whose level is set by the test; it records what each meeting sent. */
    private static final class Recording implements UsageLedger {
        final List<Long> sent = new ArrayList<>();
        long level;
        int replicas = 1;
        boolean down;
        Runnable during = () -> {
        };

        @Override
        public Share exchange(String key, long perMinute, long taken) {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            during.run();
            sent.add(taken);
            level -= taken;
            return new Share(level, replicas);
        }
    }

    @Test
    void aMeetingSendsTakingsLessRefundsAndAdoptsTheSharedLevel() {
        TokenBucket bucket = new TokenBucket(10, clock::get);
        Recording ledger = new Recording();
        ledger.level = 10 * U;
        assertTrue(bucket.tryTake(3));
        bucket.charge(2);
        bucket.refund(1);
        bucket.meet(ledger, "k");
        assertEquals(List.of(4 * U), ledger.sent);
        // Another replica took 5 meanwhile: the shared level is 1, and this bucket now holds 1.
        ledger.level -= 5 * U;
        bucket.meet(ledger, "k");
        assertEquals(0L, ledger.sent.get(1));
        assertTrue(bucket.tryTake(1));
        assertFalse(bucket.tryTake(1));
    }

    @Test
    void whatIsTakenDuringAMeetingIsSentAtTheNext() {
        TokenBucket bucket = new TokenBucket(10, clock::get);
        Recording ledger = new Recording();
        ledger.level = 10 * U;
        ledger.during = () -> bucket.charge(2); // a decode thread charges while the meeting is on the wire
        bucket.meet(ledger, "k");
        ledger.during = () -> {
        };
        // The ledger said 10, but 2 were taken here after the send: the bucket holds 8.
        assertTrue(bucket.tryTake(8));
        assertFalse(bucket.tryTake(1));
        bucket.meet(ledger, "k");
        assertEquals(List.of(0L, 10 * U), ledger.sent);
    }

    @Test
    void anUnreachableLedgerKeepsWhatWasUnsentAndTheBucketCountsAlone() {
        TokenBucket bucket = new TokenBucket(10, clock::get);
        Recording ledger = new Recording();
        ledger.level = 10 * U;
        bucket.charge(4);
        ledger.down = true;
        assertThrows(IllegalStateException.class, () -> bucket.meet(ledger, "k"));
        assertTrue(bucket.tryTake(6), "the local level is untouched");
        ledger.down = false;
        bucket.meet(ledger, "k");
        assertEquals(List.of(10 * U), ledger.sent);
    }

    @Test
    void aSharedLevelNeverFillsABucketPastOneMinute() {
        TokenBucket bucket = new TokenBucket(10, clock::get);
        Recording ledger = new Recording();
        ledger.level = 50 * U;
        bucket.meet(ledger, "k");
        assertTrue(bucket.tryTake(10));
        assertFalse(bucket.tryTake(1));
    }

    @Test
    void aBucketSharedByReplicasTakesItsShareOfAPositiveLevelAndAllOfAnOverdraft() {
        TokenBucket bucket = new TokenBucket(12, clock::get);
        Recording ledger = new Recording();
        ledger.level = 12 * U;
        ledger.replicas = 3;
        bucket.meet(ledger, "k");
        assertTrue(bucket.tryTake(4), "a third of 12");
        assertFalse(bucket.tryTake(1));
        ledger.level = -2 * U; // another replica's long generation overdrew it; with this one's 4, by 6
        bucket.meet(ledger, "k");
        assertEquals(4 * U, ledger.sent.get(1));
        assertFalse(bucket.hasCredit());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(45)); // 45 s at 12 a minute refill 9: the overdraft of 6, and 3
        assertTrue(bucket.tryTake(3));
        assertFalse(bucket.tryTake(1));
    }

    @Test
    void aBucketAsksForAnEarlyMeetingOnceItHasSpentHalfItsShare() {
        TokenBucket bucket = new TokenBucket(100, clock::get);
        Recording ledger = new Recording();
        assertFalse(bucket.spentHalfItsShare(), "before its first meeting a bucket has no share");
        ledger.level = 100 * U;
        ledger.replicas = 2;
        bucket.meet(ledger, "k");
        bucket.charge(25);
        assertFalse(bucket.spentHalfItsShare(), "25 of a share of 50");
        bucket.charge(1);
        assertTrue(bucket.spentHalfItsShare(), "26 of 50");
        bucket.meet(ledger, "k"); // the shared level is now 74: a share of 37
        assertFalse(bucket.spentHalfItsShare());
        ledger.level = -10 * U;
        bucket.meet(ledger, "k");
        assertFalse(bucket.spentHalfItsShare(), "an overdrawn bucket waits for its rounds");
    }
}
