package dev.localbedrock.runtime.state;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.quota.ModelUnit;
import dev.localbedrock.runtime.quota.ProvisionedBudget;
import dev.localbedrock.runtime.quota.Quota;
import dev.localbedrock.runtime.quota.QuotaLimiter;
import dev.localbedrock.runtime.quota.UsageLedger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
    private static DebianPostgres server;
    private String url;
    private StateStore store;
    private UsageLedger ledger;
    private final AtomicLong frozen = new AtomicLong(1);

    @BeforeAll
    static void startServer() throws Exception {
        server = DebianPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        url = server.newDatabase();
        store = StateStore.open(url);
        ledger = store.usageLedger().orElseThrow();
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        store.close();
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
    void twoReplicasAdmitOneQuotaBetweenThem() {
        Quota quota = new Quota(6, 0);
        QuotaLimiter a = new QuotaLimiter("meta.llama2-13b-chat-v1", quota, frozen::get);
        QuotaLimiter b = new QuotaLimiter("meta.llama2-13b-chat-v1", quota, frozen::get);
        a.meet(ledger);
        b.meet(ledger);
        assertEquals(4, admitted(a, 4));
        a.meet(ledger); // A's four reach the ledger
        b.meet(ledger); // and B learns of them
        assertEquals(2, admitted(b, 5), "B has what A left: 6 - 4");
        a.meet(ledger);
        b.meet(ledger);
        a.meet(ledger);
        assertEquals(0, admitted(a, 3), "nothing is left for A either");
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
        a.meet(ledger);
        b.meet(ledger);
        InferenceFailure refused = assertThrows(InferenceFailure.class, b::admit);
        assertTrue(refused.getMessage().contains("100 output tokens per minute"), refused.getMessage());
    }

    @Test
    void theLedgerRefillsByTheDatabaseClockAndHoldsAtMostOneMinute() throws Exception {
        long perMinute = 600_000; // 10 000 a second
        long full = perMinute * SUB_UNITS;
        assertEquals(full - 5 * SUB_UNITS, ledger.exchange("k", perMinute, 5 * SUB_UNITS), "first meeting: full");
        long before = ledger.exchange("k", perMinute, 0);
        assertTrue(before <= full);
        long drained = ledger.exchange("k", perMinute, full);
        // What was there less a full minute's allowance, plus at most a second of refill.
        assertTrue(drained <= before - full + 10_000 * SUB_UNITS, "the refill since is small: " + drained);
        Thread.sleep(50);
        long refilled = ledger.exchange("k", perMinute, 0);
        // At least 50 ms of refill at 10 000 a second: 500 tokens.
        assertTrue(refilled - drained >= 500 * SUB_UNITS, (refilled - drained) / SUB_UNITS + " tokens refilled");
        assertTrue(refilled < full);
        // However much is given back, a bucket holds one minute's allowance, and no sum overflows.
        assertEquals(full, ledger.exchange("k", perMinute, -Long.MAX_VALUE / 4));
        assertEquals(Long.MIN_VALUE / 2, ledger.exchange("huge", 38_000_000, Long.MAX_VALUE));
        assertEquals(38_000_000L * SUB_UNITS, ledger.exchange("huge", 38_000_000, -Long.MAX_VALUE));
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
        long level = ledger.exchange("c", perMinute, 0);
        long taken = perMinute * SUB_UNITS - level;
        // 100 taken, less the refill during the test (1 000 a minute: well under 100 in the seconds it takes).
        assertTrue(taken <= 100 * SUB_UNITS && taken > 50 * SUB_UNITS, taken / (double) SUB_UNITS + " taken");
    }
}
