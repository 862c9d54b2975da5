package dev.localbedrock.runtime.state;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.quota.ModelUnit;
import dev.localbedrock.runtime.quota.ProvisionedBudget;
import dev.localbedrock.runtime.quota.Quota;
import dev.localbedrock.runtime.quota.QuotaLimiter;
import dev.localbedrock.runtime.quota.UsageLedger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replicas' shared token buckets on PostgreSQL (Debian's server on loopback): two budgets standing for two
 * replicas' copies of one quota admit its allowance once between them, not once each. The replicas' local clocks are
 * frozen (a manual clock), so only the database's clock refills, and at 6 requests a minute it gains less than one
 * request during the test.
 */
class UsageLedgerTest {
    private static final long SUB_UNITS = 60_000_000_000L;
    @RegisterExtension
    static final SharedPostgres server = new SharedPostgres();
    private String url;
    private StateStore store;
    private UsageLedger ledger;
    /** A second replica's store on the same database: a ledger of its own, so the ledger counts two replicas. */
    private StateStore otherStore;
    private UsageLedger other;
    private final AtomicLong frozen = new AtomicLong(1);

    @BeforeEach
    void open() throws Exception {
        url = server.newDatabase();
        store = StateStore.open(url);
        ledger = store.usageLedger().orElseThrow();
        otherStore = StateStore.open(url);
        other = otherStore.usageLedger().orElseThrow();
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        store.close();
        otherStore.close();
    }

    private static int admitted(QuotaLimiter limiter, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            try {
                limiter.admit();
                n++;
            } catch (InferenceFailure e) {
                assertEquals(InferenceFailure.Kind.OVERLOADED, e.kind());
            }
        }
        return n;
    }

    @Test
    void twoReplicasAdmitOneQuotaBetweenThemEachAgainstItsShare() {
        Quota quota = new Quota(12, 0);
        QuotaLimiter a = new QuotaLimiter("meta.llama2-13b-chat-v1", quota, frozen::get);
        QuotaLimiter b = new QuotaLimiter("meta.llama2-13b-chat-v1", quota, frozen::get);
        a.meet(ledger, true);
        b.meet(other, true);
        assertEquals(1, admitted(b, 1)); // B takes one, so it is spending too: 11 left, 5.5 each
        b.meet(other, true);
        a.meet(ledger, true);
        assertEquals(5, admitted(a, 8), "A admits its half");
        a.meet(ledger, true); // A's five reach the ledger: 6 left, 3 for each
        b.meet(other, true);
        assertEquals(3, admitted(b, 5), "B has its share of what A left");
        b.meet(other, true); // 3 left
        a.meet(ledger, true);
        assertEquals(1, admitted(a, 5), "A has half of 3, in whole requests");
        a.meet(ledger, true); // 2 left
        b.meet(other, true);
        assertEquals(2, admitted(a, 5) + admitted(b, 5), "one each");
        a.meet(ledger, true);
        b.meet(other, true);
        a.meet(ledger, true);
        assertEquals(0, admitted(a, 3) + admitted(b, 3), "12 in all, never more");
    }

    @Test
    void theLedgerCountsTheReplicasSpendingFromABucketAndForgetsOnesThatStopped() throws Exception {
        assertEquals(1, ledger.exchange("r", 60, SUB_UNITS).replicas());
        assertEquals(2, other.exchange("r", 60, SUB_UNITS).replicas(), "A took one a moment ago");
        assertEquals(2, ledger.exchange("r", 60, 0).replicas(), "B took one a moment ago");
        assertEquals(1, ledger.exchange("another bucket", 60, SUB_UNITS).replicas(), "counted per bucket");
        assertEquals(1, other.exchange("looked at", 60, 0).replicas());
        assertEquals(1, ledger.exchange("looked at", 60, SUB_UNITS).replicas(), "a replica that only looks is none");
        Thread.sleep(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(UsageLedger.ACTIVE_NANOS) + 100);
        assertEquals(1, ledger.exchange("r", 60, SUB_UNITS).replicas(), "B has not taken any for a second");
    }

    @Test
    void withoutTheLedgerEachReplicaWouldAdmitTheWholeQuota() {
        Quota quota = new Quota(6, 0);
        QuotaLimiter a = new QuotaLimiter("m", quota, frozen::get);
        QuotaLimiter b = new QuotaLimiter("m", quota, frozen::get);
        assertEquals(6, admitted(a, 10));
        assertEquals(6, admitted(b, 10)); // what the ledger is for: 12 admitted where 6 were allowed
    }

    @Test
    void aProvisionedModelsOverdraftOnOneReplicaThrottlesTheOther() {
        ModelUnit unit = new ModelUnit(1_000, 100, 1);
        String arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl";
        ProvisionedBudget a = new ProvisionedBudget(arn, 1, unit, frozen::get);
        ProvisionedBudget b = new ProvisionedBudget(arn, 1, unit, frozen::get);
        a.admit();
        a.chargeInput(10);
        a.chargeOutput(150); // one long generation overdraws the 100-token output allowance
        a.meet(ledger, true);
        b.meet(other, true);
        InferenceFailure refused = assertThrows(InferenceFailure.class, b::admit);
        assertTrue(refused.getMessage().contains("100 output tokens per minute"), refused.getMessage());
    }

    @Test
    void theLedgerRefillsByTheDatabaseClockAndHoldsAtMostOneMinute() throws Exception {
        long perMinute = 600_000; // 10 000 a second
        long full = perMinute * SUB_UNITS;
        assertEquals(full - 5 * SUB_UNITS, ledger.exchange("k", perMinute, 5 * SUB_UNITS).level(),
                "first meeting: full");
        long before = ledger.exchange("k", perMinute, 0).level();
        assertTrue(before <= full);
        long drained = ledger.exchange("k", perMinute, full).level();
        // What was there less a full minute's allowance, plus at most a second of refill.
        assertTrue(drained <= before - full + 10_000 * SUB_UNITS, "the refill since is small: " + drained);
        Thread.sleep(50);
        long refilled = ledger.exchange("k", perMinute, 0).level();
        // At least 50 ms of refill at 10 000 a second: 500 tokens.
        assertTrue(refilled - drained >= 500 * SUB_UNITS, (refilled - drained) / SUB_UNITS + " tokens refilled");
        assertTrue(refilled < full);
        // However much is given back, a bucket holds one minute's allowance, and no sum overflows.
        assertEquals(full, ledger.exchange("k", perMinute, -Long.MAX_VALUE / 4).level());
        assertEquals(Long.MIN_VALUE / 2, ledger.exchange("huge", 38_000_000, Long.MAX_VALUE).level());
        assertEquals(38_000_000L * SUB_UNITS, ledger.exchange("huge", 38_000_000, -Long.MAX_VALUE).level());
    }

    @Test
    void concurrentMeetingsEachCountOnce() throws Exception {
        long perMinute = 1_000;
        ledger.exchange("c", perMinute, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        // Four "replicas", each on a ledger of its own connection, take 1 token 25 times.
        List<StateStore> stores = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            StateStore replica = StateStore.open(url);
            stores.add(replica);
            UsageLedger own = replica.usageLedger().orElseThrow();
            done.add(pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    own.exchange("c", perMinute, SUB_UNITS);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        stores.forEach(StateStore::close);
        long level = ledger.exchange("c", perMinute, 0).level();
        long taken = perMinute * SUB_UNITS - level;
        // 100 taken, less the refill during the test (1 000 a minute: well under 100 in the seconds it takes).
        assertTrue(taken <= 100 * SUB_UNITS && taken > 50 * SUB_UNITS, taken / (double) SUB_UNITS + " taken");
    }
}
