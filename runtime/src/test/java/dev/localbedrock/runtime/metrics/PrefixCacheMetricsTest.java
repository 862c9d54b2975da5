package dev.localbedrock.runtime.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The prefix cache's lookups as the scheduler's Micrometer counters: cacheable prompt tokens, hit or missed. */
class PrefixCacheMetricsTest {

    private static double tokens(SimpleMeterRegistry registry, String result) {
        return registry.get("bedrock.scheduler.prefix.cache.tokens").tag(MetricNames.MODEL_ID, "m")
                .tag("result", result).counter().count();
    }

    @Test
    void lookupsCountCachedTokensAsHitsAndTheRestOfTheCacheableAsMisses() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerSchedulerMetrics metrics = new MicrometerSchedulerMetrics(registry, "m");
        metrics.onPrefixCacheLookup(128, 64); // two blocks cacheable, one served
        metrics.onPrefixCacheLookup(64, 0); // a cold prompt
        metrics.onPrefixCacheLookup(0, 0); // a prompt shorter than a block
        assertEquals(64, tokens(registry, "hit"));
        assertEquals(128, tokens(registry, "miss"));
    }
}
