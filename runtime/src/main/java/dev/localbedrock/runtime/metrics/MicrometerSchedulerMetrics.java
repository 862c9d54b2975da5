package dev.localbedrock.runtime.metrics;

import dev.localbedrock.runtime.generation.SchedulerMetrics;
import dev.localbedrock.runtime.generation.StepStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One model scheduler's own metrics in Micrometer, labelled {@code model_id}: batch size, queue length, time to first
 * token, inter-token latency, KV-cache tokens used and free, step time, and the token counters whose rate is the
 * model's tokens per second. Called on the scheduler thread; every meter is updated lock-free.
 */
public final class MicrometerSchedulerMetrics implements SchedulerMetrics {
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

    private final DistributionSummary batchSize;
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer stepTime;
    private final Counter processedTokens;
    private final Counter generatedTokens;
    private final Counter throttles;
    private final Counter prefixHits;
    private final Counter prefixMisses;
    private final AtomicLong queueLength = new AtomicLong();
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong kvUsed = new AtomicLong();
    private final AtomicLong kvFree = new AtomicLong();

    public MicrometerSchedulerMetrics(MeterRegistry registry, String modelId) {
        batchSize = DistributionSummary.builder("bedrock.scheduler.batch.size").tag(MetricNames.MODEL_ID, modelId)
                .description("Rows in each step's forward call")
                .serviceLevelObjectives(BATCH_BUCKETS).register(registry);
        timeToFirstToken = Timer.builder("bedrock.scheduler.time.to.first.token").tag(MetricNames.MODEL_ID, modelId)
                .description("Submission to a request's first generated token")
                .serviceLevelObjectives(LatencyBuckets.invocation()).register(registry);
        interTokenLatency = Timer.builder("bedrock.scheduler.inter.token.latency").tag(MetricNames.MODEL_ID, modelId)
                .description("Time between a sequence's consecutive tokens")
                .serviceLevelObjectives(LatencyBuckets.token()).register(registry);
        stepTime = Timer.builder("bedrock.scheduler.step").tag(MetricNames.MODEL_ID, modelId)
                .description("Wall time of one scheduler step").serviceLevelObjectives(LatencyBuckets.token())
                .register(registry);
        processedTokens = Counter.builder("bedrock.scheduler.processed.tokens").tag(MetricNames.MODEL_ID, modelId)
                .description("Tokens the forward calls processed (prompt and generated)").register(registry);
        generatedTokens = Counter.builder("bedrock.scheduler.generated.tokens").tag(MetricNames.MODEL_ID, modelId)
                .description("Tokens generated; its rate is the model's tokens per second").register(registry);
        throttles = Counter.builder("bedrock.scheduler.throttles").tag(MetricNames.MODEL_ID, modelId)
                .description("Requests the scheduler refused or dropped with ThrottlingException").register(registry);
        // The prompt tokens prefix caching could have served (whole blocks before a prompt's last token), by whether
        // it did: hit / (hit + miss) is the share of cacheable prefill the cache saved.
        prefixHits = Counter.builder("bedrock.scheduler.prefix.cache.tokens").tag(MetricNames.MODEL_ID, modelId)
                .tag("result", "hit").description("Cacheable prompt tokens, by whether the prefix cache served them")
                .baseUnit("tokens").register(registry);
        prefixMisses = Counter.builder("bedrock.scheduler.prefix.cache.tokens").tag(MetricNames.MODEL_ID, modelId)
                .tag("result", "miss").description("Cacheable prompt tokens, by whether the prefix cache served them")
                .baseUnit("tokens").register(registry);
        Gauge.builder("bedrock.scheduler.queue.length", queueLength, AtomicLong::get)
                .tag(MetricNames.MODEL_ID, modelId).description("Requests waiting after the last step")
                .register(registry);
        Gauge.builder("bedrock.scheduler.running.sequences", running, AtomicLong::get)
                .tag(MetricNames.MODEL_ID, modelId).description("Sequences admitted and unfinished")
                .register(registry);
        Gauge.builder("bedrock.scheduler.kv.cache", kvUsed, AtomicLong::get).tag(MetricNames.MODEL_ID, modelId)
                .tag("state", "used").description("KV-cache tokens reserved or free after the last step")
                .baseUnit("tokens").register(registry);
        Gauge.builder("bedrock.scheduler.kv.cache", kvFree, AtomicLong::get).tag(MetricNames.MODEL_ID, modelId)
                .tag("state", "free").description("KV-cache tokens reserved or free after the last step")
                .baseUnit("tokens").register(registry);
    }

    @Override
    public void onStep(StepStats step) {
        if (step.batchSize() > 0) {
            batchSize.record(step.batchSize());
            processedTokens.increment(step.scheduledTokens());
        }
        stepTime.record(step.durationNanos(), TimeUnit.NANOSECONDS);
        queueLength.set(step.queueLength());
        running.set(step.runningSequences());
        kvUsed.set(step.kvReservedTokens());
        kvFree.set(step.freeKvTokens());
    }

    @Override
    public void onFirstToken(long nanos) {
        timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
        generatedTokens.increment();
    }

    @Override
    public void onInterTokenLatency(long nanos) {
        interTokenLatency.record(nanos, TimeUnit.NANOSECONDS);
        generatedTokens.increment();
    }

    @Override
    public void onPrefixCacheLookup(int cacheableTokens, int cachedTokens) {
        prefixHits.increment(cachedTokens);
        prefixMisses.increment(Math.max(0, cacheableTokens - cachedTokens));
    }

    @Override
    public void onThrottled() {
        throttles.increment();
    }
}
