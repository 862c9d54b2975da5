package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prefix caching on real weights (tiny-random-llama, both engines): a prompt's first-token logits and greedy tokens
 * are bit-identical whether its prefix came from the cache (the same prompt again, or another prompt sharing its
 * system prefix) or was computed, with the computed side prefilled in the same block chunks by a scheduler whose
 * cache can hold nothing. And cached prefixes give their KV back when admission needs it.
 */
class PrefixCacheExactnessTest {
    private static final int BLOCK = 16;
    private static final int NEW_TOKENS = 12;
    @TempDir
    static Path graphs;

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"PYTORCH", "ONNXRUNTIME"})
    void cachedAndComputedPrefixesGiveIdenticalLogits(EngineKind engine) {
        try (LogitRecordingModel model = new LogitRecordingModel(load(engine, 0))) {
            SplittableRandom random = new SplittableRandom(11);
            int[] system = tokens(random, 90); // 5 whole blocks and a part
            int[] a = concat(system, tokens(random, 23));
            int[] b = concat(system, tokens(random, 9));
            int[] c = concat(a, tokens(random, 40)); // the chat goes on: a's whole prompt is c's prefix

            // The reference: same block chunking, but a cache with no room, so every prompt is computed.
            WorkerSettings computedSettings = settings(new PrefixCacheSettings(true, BLOCK, 1e-9));
            List<float[]> expectedLogits = new ArrayList<>();
            List<int[]> expectedTokens = new ArrayList<>();
            for (int[] p : List.of(a, a, b, c)) {
                ModelScheduler s = scheduler(model, computedSettings, SchedulerMetrics.NONE);
                expectedTokens.add(run(s, p));
                expectedLogits.add(model.logitsAtLength(p.length));
                assertEquals(0, s.cachedPrefixes());
            }

            InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();
            ModelScheduler cached = scheduler(model, settings(new PrefixCacheSettings(true, BLOCK, 1.0)), metrics);
            int[][] prompts = {a, a, b, c};
            long[] hitsAfter = new long[prompts.length];
            int[] prefilled = new int[prompts.length];
            for (int i = 0; i < prompts.length; i++) {
                int before = model.forwardTokens;
                int[] got = run(cached, prompts[i]);
                prefilled[i] = model.forwardTokens - before - (NEW_TOKENS - 1);
                assertArrayEquals(expectedTokens.get(i), got, "greedy tokens of prompt " + i);
                assertArrayEquals(expectedLogits.get(i), model.logitsAtLength(prompts[i].length),
                        "first-token logits of prompt " + i + " (bit-identical)");
                hitsAfter[i] = metrics.prefixCacheHitTokens();
            }
            assertEquals(0, hitsAfter[0], "cold");
            assertEquals(a.length - 1 - (a.length - 1) % BLOCK, hitsAfter[1], "the same prompt: its cacheable part");
            assertEquals(a.length - prefilled[1], hitsAfter[1], "and only the rest was prefilled");
            assertEquals(system.length / BLOCK * BLOCK, hitsAfter[2] - hitsAfter[1], "b shares the system blocks");
            assertTrue(hitsAfter[3] - hitsAfter[2] >= (a.length - 1) / BLOCK * BLOCK, "c finds a's prefix");
            cached.clearPrefixCache();
            assertEquals(0, cached.cachedPrefixes());
        }
    }

    /**
     * An engine pool of 2 sequences and a cache allowed all of it: after one prompt leaves its prefix cached, two
     * requests that together need the whole pool still start in the same step (the cached prefix is evicted for
     * them), and produce what they produce with the cache off.
     */
    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"PYTORCH", "ONNXRUNTIME"})
    void cachedPrefixesGiveWayToAdmission(EngineKind engine) {
        try (DecoderModel model = load(engine, 2 * 256)) {
            SplittableRandom random = new SplittableRandom(5);
            int[] first = tokens(random, 70);
            int[] x = tokens(random, 50);
            int[] y = tokens(random, 60);
            WorkerSettings on = new WorkerSettings(256, 16, Duration.ofMinutes(5), null, 2, 64, 2 * 256,
                    Duration.ofMinutes(5)).withPrefixCache(new PrefixCacheSettings(true, BLOCK, 1.0));
            ModelScheduler s = scheduler(model, on, SchedulerMetrics.NONE);
            run(s, first);
            assertEquals(1, s.cachedPrefixes(), "the first prompt's prefix is cached");
            RecordingListener lx = new RecordingListener();
            RecordingListener ly = new RecordingListener();
            s.submitTokens(x, greedy(NEW_TOKENS), lx, null);
            s.submitTokens(y, greedy(NEW_TOKENS), ly, null);
            s.step();
            assertEquals((long) x.length + y.length + 2L * NEW_TOKENS, s.kvReservedTokens(),
                    "both requests started in the first step");
            runUntilIdle(s);
            WorkerSettings off = on.withPrefixCache(PrefixCacheSettings.DISABLED);
            GenerationOutcome ax = SchedulerFixture.alone(model, off, x, greedy(NEW_TOKENS));
            assertArrayEquals(ax.generations().get(0).tokenIds(), lx.result().generations().get(0).tokenIds());
            assertTrue(ly.result().generations().get(0).tokenIds().length > 0);
            s.clearPrefixCache();
            assertEquals(2 * 256, model.freeKvTokens(), "every slot back");
        }
    }

    /**
     * ONNX Runtime with the graph it builds itself (the shared KV arena, which can copy part of a sequence); the
     * directory's exported graph keeps per-sequence buffers that fork only whole, so there only whole entries hit.
     */
    private static DecoderModel load(EngineKind engine, int kvTokens) {
        EngineOptions options = engine == EngineKind.ONNXRUNTIME
                ? new EngineOptions(256, 1, kvTokens, "none", null, graphCache())
                : new EngineOptions(256, 1, kvTokens);
        return DecoderModels.load(TestServers.tinyLlama(), engine, "cpu", options);
    }

    private static Path graphCache() {
        return graphs;
    }

    private static WorkerSettings settings(PrefixCacheSettings prefix) {
        return new WorkerSettings(256, 16, Duration.ofMinutes(5), null, 4, 64, 1 << 20, Duration.ofMinutes(5))
                .withPrefixCache(prefix);
    }

    private static ModelScheduler scheduler(DecoderModel model, WorkerSettings settings, SchedulerMetrics metrics) {
        return SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, metrics, new ManualClock());
    }

    private static int[] run(ModelScheduler s, int[] prompt) {
        RecordingListener l = new RecordingListener();
        s.submitTokens(prompt, greedy(NEW_TOKENS), l, null);
        runUntilIdle(s);
        int[] ids = l.result().generations().get(0).tokenIds();
        assertEquals(NEW_TOKENS, ids.length, "no early stop, so every request decodes the same number of steps");
        return ids;
    }

    private static int[] tokens(SplittableRandom random, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 3 + random.nextInt(32_000 - 3);
        }
        return t;
    }

    private static int[] concat(int[] x, int[] y) {
        int[] r = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }
}
