package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.InferenceFailure;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuotaLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(123 * SECOND);

    private QuotaLimiter limiter(int rpm, int tpm) {
        return new QuotaLimiter("anthropic.claude-v2", new Quota(rpm, tpm), clock::get);
    }

    @Test
    void theRequestAfterAMinutesAllowanceIsRefusedNamingTheQuota() {
        QuotaLimiter limiter = limiter(3, 0);
        for (int i = 0; i < 3; i++) {
            limiter.admit();
        }
        InferenceFailure refused = assertThrows(InferenceFailure.class, limiter::admit);
        assertEquals(InferenceFailure.Kind.OVERLOADED, refused.kind());
        assertEquals("Too many requests, please wait before trying again. You have exceeded the on-demand quota of "
                + "3 requests per minute for anthropic.claude-v2.", refused.getMessage());
    }

    @Test
    void requestsRefillContinuouslyAndTheBoundaryIsExact() {
        QuotaLimiter limiter = limiter(3, 0); // one request every 20 s
        for (int i = 0; i < 3; i++) {
            limiter.admit();
        }
        clock.addAndGet(20 * SECOND - 1);
        assertThrows(InferenceFailure.class, limiter::admit);
        clock.addAndGet(1);
        limiter.admit();
        assertThrows(InferenceFailure.class, limiter::admit);
        clock.addAndGet(10 * 60 * SECOND); // a long idle fills the bucket to one minute's allowance, no more
        for (int i = 0; i < 3; i++) {
            limiter.admit();
        }
        assertThrows(InferenceFailure.class, limiter::admit);
    }

    @Test
    void aRefusedRequestTakesNothing() {
        QuotaLimiter limiter = limiter(3, 0);
        for (int i = 0; i < 3; i++) {
            limiter.admit();
        }
        for (int i = 0; i < 100; i++) {
            assertThrows(InferenceFailure.class, limiter::admit);
        }
        clock.addAndGet(20 * SECOND); // had the refusals taken anything, this would not be enough
        limiter.admit();
    }

    @Test
    void aRefundGivesTheRequestBackButNeverBeyondCapacity() {
        QuotaLimiter limiter = limiter(2, 0);
        limiter.admit();
        limiter.admit();
        limiter.refund();
        limiter.admit();
        assertThrows(InferenceFailure.class, limiter::admit);
        limiter.refund();
        limiter.refund();
        limiter.refund();
        limiter.admit();
        limiter.admit();
        assertThrows(InferenceFailure.class, limiter::admit);
    }

    @Test
    void tokensMayOverdrawAndTheNextRequestWaitsForTheRefill() {
        QuotaLimiter limiter = limiter(0, 600); // ten tokens a second
        limiter.admit();
        limiter.charge(599);
        limiter.admit(); // one token left: not exhausted
        limiter.charge(1);
        InferenceFailure refused = assertThrows(InferenceFailure.class, limiter::admit); // exactly 0: exhausted
        assertEquals("Too many tokens, please wait before trying again. You have exceeded the on-demand quota of "
                + "600 tokens per minute for anthropic.claude-v2.", refused.getMessage());
        limiter.charge(400); // a long generation finishing: 400 tokens overdrawn
        clock.addAndGet(40 * SECOND);
        assertThrows(InferenceFailure.class, limiter::admit); // back to exactly 0
        clock.addAndGet(SECOND / 10);
        limiter.admit();
    }

    @Test
    void bothLimitsApplyAndZeroMeansUnlimited() {
        QuotaLimiter both = limiter(2, 100);
        both.admit();
        both.charge(100);
        assertThrows(InferenceFailure.class, both::admit); // tokens exhausted, requests not
        clock.addAndGet(SECOND);
        both.admit();
        assertThrows(InferenceFailure.class, both::admit); // requests exhausted

        QuotaLimiter none = limiter(0, 0);
        for (int i = 0; i < 10_000; i++) {
            none.admit();
            none.charge(Integer.MAX_VALUE);
        }
    }

    @Test
    void hugeChargesSaturateInsteadOfWrappingAround() {
        QuotaLimiter limiter = limiter(0, Quota.MAX_PER_MINUTE);
        for (int i = 0; i < 100; i++) {
            limiter.charge(Long.MAX_VALUE / 3);
        }
        assertThrows(InferenceFailure.class, limiter::admit);
    }

    @Test
    void concurrentCallersNeverOverdrawRequests() throws Exception {
        QuotaLimiter limiter = limiter(500, 0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int t = 0; t < 8; t++) {
                pool.execute(() -> {
                    assertDoesNotThrow(() -> go.await());
                    for (int i = 0; i < 200; i++) {
                        try {
                            limiter.admit();
                            admitted.incrementAndGet();
                        } catch (InferenceFailure refused) {
                            // expected once the minute's 500 are gone
                        }
                    }
                });
            }
            go.countDown();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(500, admitted.get()); // 1,600 tries, the clock standing still
    }

    @Test
    void defaultsFollowBedrocksQuotaTable() {
        assertEquals(new Quota(400, 300_000), Quota.defaultFor("amazon.titan-text-express-v1", "amazon-titan-text"));
        assertEquals(new Quota(400, 300_000), Quota.defaultFor("amazon.titan-text-lite-v1", "amazon-titan-text"));
        assertEquals(new Quota(2_000, 300_000), Quota.defaultFor("amazon.titan-embed-text-v1", "amazon-titan-embed"));
        assertEquals(new Quota(100, 200_000), Quota.defaultFor("anthropic.claude-v2", "anthropic-claude"));
        assertEquals(new Quota(400, 300_000), Quota.defaultFor("anthropic.claude-instant-v1", "anthropic-claude"));
        assertEquals(new Quota(100, 300_000), Quota.defaultFor("ai21.j2-ultra-v1", "ai21-j2"));
        assertEquals(new Quota(400, 300_000), Quota.defaultFor("ai21.j2-mid-v1", "ai21-j2"));
        assertEquals(new Quota(800, 300_000), Quota.defaultFor("meta.llama2-13b-chat-v1", "meta-llama2"));
        assertEquals(new Quota(400, 300_000), Quota.defaultFor("cohere.embed-english-v3", "cohere-embed"));
        assertEquals(new Quota(800, 300_000), Quota.defaultFor("local-llama", "meta-llama2"));
        assertEquals(Quota.UNLIMITED, Quota.defaultFor("local-thing", "no-such-family"));
    }
}
