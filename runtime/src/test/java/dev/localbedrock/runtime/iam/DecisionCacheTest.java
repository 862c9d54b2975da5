package dev.localbedrock.runtime.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionCacheTest {
    private static final Principal ALICE = new Principal("arn:aws:iam::000000000000:user/alice");
    private static final String MODEL = "arn:aws:bedrock:us-east-1::foundation-model/m";

    private static PolicyDocument policy(String json) throws PolicyValidationException {
        return PolicyDocument.parse(json);
    }

    @Test
    void sameQuestionSameEpochIsAHitAndANewEpochReevaluates() throws Exception {
        DecisionCache cache = new DecisionCache(new Authorizer(), 100);
        PolicyDocument allow = policy("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}}");
        PolicyDocument deny = policy("{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}}");
        Decision first = cache.authorize(ALICE, 1, List.of(allow), "bedrock:InvokeModel", MODEL, RequestContext.empty());
        assertSame(first, cache.authorize(ALICE, 1, List.of(allow), "bedrock:InvokeModel", MODEL,
                RequestContext.builder().set("aws:SourceIp", "10.0.0.1").build()),
                "context keys no policy reads do not split the cache");
        assertTrue(first.allowed());
        // The policies changed and the caller bumped the epoch: the new policies decide.
        assertFalse(cache.authorize(ALICE, 2, List.of(deny), "bedrock:InvokeModel", MODEL, null).allowed());
        assertTrue(cache.authorize(ALICE, 1, List.of(allow), "bedrock:GetFoundationModel", MODEL, null).allowed());
    }

    @Test
    void keysThePoliciesReadAreInTheCacheKey() throws Exception {
        DecisionCache cache = new DecisionCache(new Authorizer(), 100);
        PolicyDocument p = policy("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}}");
        assertTrue(cache.authorize(ALICE, 1, List.of(p), "bedrock:InvokeModel", MODEL,
                RequestContext.builder().sourceIp("10.0.0.1").build()).allowed());
        assertFalse(cache.authorize(ALICE, 1, List.of(p), "bedrock:InvokeModel", MODEL,
                RequestContext.builder().sourceIp("192.0.2.1").build()).allowed());
        assertFalse(cache.authorize(ALICE, 1, List.of(p), "bedrock:InvokeModel", MODEL, null).allowed());
    }

    @Test
    void clockConditionsAreNeverCached() throws Exception {
        DecisionCache cache = new DecisionCache(new Authorizer(), 100);
        PolicyDocument p = policy("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"2030-01-01T00:00:00Z\"}}}}");
        assertTrue(cache.authorize(ALICE, 1, List.of(p), "bedrock:InvokeModel", MODEL,
                RequestContext.builder().currentTime(Instant.parse("2029-12-31T23:59:59Z")).build()).allowed());
        assertFalse(cache.authorize(ALICE, 1, List.of(p), "bedrock:InvokeModel", MODEL,
                RequestContext.builder().currentTime(Instant.parse("2030-01-01T00:00:01Z")).build()).allowed());
        assertEquals(0, cache.size());
    }

    @Test
    void sizeIsBounded() throws Exception {
        DecisionCache cache = new DecisionCache(new Authorizer(), 64);
        PolicyDocument allow = policy("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}}");
        Decision last = null;
        for (int i = 0; i < 1000; i++) {
            last = cache.authorize(ALICE, 1, List.of(allow), "bedrock:InvokeModel", MODEL + i, null);
            assertTrue(cache.size() <= 64, "size " + cache.size());
        }
        assertSame(last, cache.authorize(ALICE, 1, List.of(allow), "bedrock:InvokeModel", MODEL + 999, null),
                "the latest entry is still there");
    }
}
