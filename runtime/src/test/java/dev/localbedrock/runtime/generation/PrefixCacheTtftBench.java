package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Time to first token with a shared system prompt, prefix cache off vs on (not a test; run by hand, see
 * benchmarks/RESULTS.md, "Prefix caching"). A random-weight Llama of the given shape on ONNX Runtime (its built
 * graph, the shared KV arena); each request is the same {@code system} tokens plus a different 32-token question,
 * one at a time, 8 new tokens; the cache-on side is primed with one request first, and a third side runs the
 * cache's 64-token chunking with no room to cache (the cold cost of alignment). Args: work dir, system tokens,
 * repetitions.
 */
final class PrefixCacheTtftBench {
    private static final int VOCAB = RandomLlamaCheckpoint.Shape.SMOKE.vocab();

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "/tmp/prefix-bench");
        int systemTokens = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = work.resolve("llama-512x8");
        if (!Files.exists(dir.resolve("config.json"))) {
            RandomLlamaCheckpoint.write(dir, new RandomLlamaCheckpoint.Shape(512, 8, 8, 8, 1376,
                    RandomLlamaCheckpoint.Shape.SMOKE.vocab(), 2048), 0);
        }
        try (DecoderModel model = DecoderModels.load(dir, EngineKind.ONNXRUNTIME, "cpu",
                new EngineOptions(2048, 2, 8 * 2048, "none", null, work.resolve("onnx")))) {
            SplittableRandom random = new SplittableRandom(3);
            int[] system = new int[systemTokens];
            system[0] = model.info().bosTokenId();
            for (int i = 1; i < systemTokens; i++) {
                system[i] = 3 + random.nextInt(VOCAB - 3);
            }
            WorkerSettings base = new WorkerSettings(2048, 16, Duration.ofMinutes(5), null, 8, 512, 8 * 2048,
                    Duration.ofMinutes(5));
            for (int round = 0; round < 2; round++) { // the first round warms the JIT and ONNX Runtime
                double off = median(model, base, system, random, reps, false);
                double cold = median(model, base.withPrefixCache(new PrefixCacheSettings(true, 64, 1e-9)), system,
                        random, reps, false);
                double on = median(model, base.withPrefixCache(PrefixCacheSettings.enabled(64)), system, random,
                        reps, true);
                System.out.printf("round %d: system %d tokens + 32: TTFT median off %.1f ms, on but nothing cached"
                        + " (64-token chunks) %.1f ms, on and warm %.1f ms; warm/off %.3f%n",
                        round, systemTokens, off, cold, on, on / off);
            }
        }
    }

    private static double median(DecoderModel model, WorkerSettings settings, int[] system, SplittableRandom random,
                                 int reps, boolean prime) {
        ModelScheduler s = SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, TTFT,
                System::nanoTime);
        if (prime) {
            ttft(s, prompt(system, random));
        }
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            ms[i] = ttft(s, prompt(system, random)) / 1e6;
        }
        s.clearPrefixCache();
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    private static long ttft(ModelScheduler s, int[] prompt) {
        s.submitTokens(prompt, SchedulerFixture.greedy(8), new RecordingListener(), null);
        while (s.step()) {
            // until the request is done
        }
        return LAST_TTFT[0];
    }

    /** The scheduler's own time to first token (submission to first sampled token). */
    private static final long[] LAST_TTFT = {-1};
    private static final SchedulerMetrics TTFT = new SchedulerMetrics() {
        @Override
        public void onFirstToken(long nanos) {
            LAST_TTFT[0] = nanos;
        }
    };

    private static int[] prompt(int[] system, SplittableRandom random) {
        int[] p = Arrays.copyOf(system, system.length + 32);
        for (int i = system.length; i < p.length; i++) {
            p[i] = 3 + random.nextInt(VOCAB - 3);
        }
        return p;
    }
}
