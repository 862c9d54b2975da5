package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throwaway measurement, not part of the suite ({@code -Dortengine.bench=true}): decode tokens/s through the
 * {@link DecoderModel} SPI at batch 1, 4, 16 and 32 on a 110M-shape random Llama (dim 768, 12 layers, 12 heads, vocab
 * 32000), capacity 128, 2 intra-op threads, for the ONNX Runtime engine on the f32 and int8 graphs it builds from the
 * checkpoint and for the PyTorch engine, in one JVM, the contenders alternating in blocks of {@value #BLOCK} steps
 * (the order rotating every round; each block's first step untimed, because the previous contender's worker threads
 * may still be spin-waiting on the cores); medians of the timed steps, each step including the logits' copy into Java
 * and a Java argmax per row. Run it outside surefire ({@link #main}) for clean numbers.
 * Also times the arena's KV copy (via {@code fork}) at two lengths.
 */
@EnabledIfSystemProperty(named = "ortengine.bench", matches = "true")
class OrtEngineBench {
    static final int THREADS = Integer.getInteger("ortengine.bench.threads", 2);
    static final int CAPACITY = 128;
    static final int PROMPT = Integer.getInteger("ortengine.bench.prompt", 92);
    static final int BLOCK = 4;
    static final int STEPS = Integer.getInteger("ortengine.bench.steps", 24);
    /** Steps each sequence runs: {@code STEPS} timed plus one untimed per block. */
    static final int TOTAL_STEPS = (STEPS + BLOCK - 2) / (BLOCK - 1) * BLOCK;
    static final int[] BATCHES = Arrays.stream(System.getProperty("ortengine.bench.batches", "1,4,16,32").split(","))
            .mapToInt(Integer::parseInt).toArray();

    record Contender(String name, DecoderModel model) {
    }

    /** Runs outside Maven/surefire (whose parent process competes for the CPU while a fork runs). */
    public static void main(String[] args) throws Exception {
        new OrtEngineBench().decodeThroughput();
    }

    @Test
    void decodeThroughput() throws Exception {
        Path root = Paths.get(System.getProperty("ortengine.bench.dir", "/tmp/ort-engine-bench"));
        Path ckpt = root.resolve("llama110m");
        if (!Files.exists(ckpt.resolve("model.safetensors"))) {
            RandomLlamaCheckpoint.write(ckpt, new RandomLlamaCheckpoint.Shape(768, 12, 12, 12, 2048, 32000, 1024), 7);
        }
        int maxBatch = Arrays.stream(BATCHES).max().orElse(1);
        EngineOptions opts = new EngineOptions(CAPACITY, THREADS, maxBatch * CAPACITY)
                .withOnnxCacheDir(root.resolve("cache"));
        List<Contender> cs = new ArrayList<>();
        for (String w : System.getProperty("ortengine.bench.which", "onnx-f32,onnx-int8,pytorch").split(",")) {
            long t0 = System.nanoTime();
            DecoderModel m = switch (w) {
                case "onnx-f32" -> DecoderModels.load(ckpt, EngineKind.ONNXRUNTIME, "cpu", opts);
                case "onnx-int8", "onnx-int4", "onnx-int8-dynamic" -> DecoderModels.load(ckpt, EngineKind.ONNXRUNTIME,
                        "cpu", opts.withQuantize(w.substring("onnx-".length())));
                case "pytorch" -> DecoderModels.load(ckpt, EngineKind.PYTORCH, "cpu", opts);
                default -> throw new IllegalArgumentException(w);
            };
            System.err.printf(Locale.ROOT, "[bench] %s loaded in %.1f s%n", w, (System.nanoTime() - t0) / 1e9);
            cs.add(new Contender(w, m));
        }
        int n = cs.size();
        StringBuilder table = new StringBuilder("| batch |");
        cs.forEach(c -> table.append(' ').append(c.name()).append(" |"));
        table.append("\n|---|").append("---|".repeat(n)).append('\n');
        int[][] firstRowTokens = new int[n][];
        for (int b : BATCHES) {
            List<List<SequenceState>> seqs = new ArrayList<>();
            int[][] next = new int[n][b];
            long[][] times = new long[n][STEPS];
            try {
                for (int c = 0; c < n; c++) {
                    DecoderModel m = cs.get(c).model();
                    List<SequenceState> s = new ArrayList<>();
                    List<int[]> prompts = new ArrayList<>();
                    for (int r = 0; r < b; r++) {
                        s.add(m.newSequence(CAPACITY));
                        int[] p = new int[PROMPT];
                        p[0] = 1;
                        for (int i = 1; i < PROMPT; i++) {
                            p[i] = 3 + (i * 37 + r * 11) % 250;
                        }
                        prompts.add(p);
                    }
                    seqs.add(s);
                    float[][] l = m.forward(s, prompts);
                    for (int r = 0; r < b; r++) {
                        next[c][r] = OrtTestSupport.argmax(l[r]);
                    }
                }
                if (b == 1) {
                    for (int c = 0; c < n; c++) {
                        firstRowTokens[c] = new int[TOTAL_STEPS + 1];
                        firstRowTokens[c][0] = next[c][0];
                    }
                }
                // rounds of BLOCK steps per contender, the order rotating each round; a block's first step is not
                // timed (the previous contender's worker threads may still be spin-waiting on the cores)
                int timed = 0;
                int step = 0;
                for (int round = 0; timed < STEPS; round++) {
                    for (int k = 0; k < n; k++) {
                        int c = (k + round) % n;
                        DecoderModel m = cs.get(c).model();
                        for (int j = 0; j < BLOCK; j++) {
                            List<int[]> in = new ArrayList<>(b);
                            for (int r = 0; r < b; r++) {
                                in.add(new int[] {next[c][r]});
                            }
                            long t0 = System.nanoTime();
                            float[][] l = m.forward(seqs.get(c), in);
                            for (int r = 0; r < b; r++) {
                                next[c][r] = OrtTestSupport.argmax(l[r]);
                            }
                            long dt = System.nanoTime() - t0;
                            if (j > 0 && timed + j - 1 < STEPS) {
                                times[c][timed + j - 1] = dt;
                            }
                            if (b == 1) {
                                firstRowTokens[c][step + j + 1] = next[c][0];
                            }
                        }
                    }
                    timed += BLOCK - 1;
                    step += BLOCK;
                }
            } finally {
                seqs.forEach(l -> l.forEach(SequenceState::close));
            }
            table.append("| ").append(b).append(" |");
            for (int c = 0; c < n; c++) {
                long[] t = times[c].clone();
                Arrays.sort(t);
                double median = t[t.length / 2] / 1e6;
                double tps = b / (median / 1e3);
                table.append(String.format(Locale.ROOT, " %.0f (%.1f ms) |", tps, median));
                System.err.printf(Locale.ROOT, "[bench] batch %d %s: median %.2f ms (min %.2f, max %.2f) = %.1f "
                        + "tokens/s%n", b, cs.get(c).name(), median, t[0] / 1e6, t[t.length - 1] / 1e6, tps);
            }
            table.append('\n');
        }
        System.err.println("[bench] decode tokens/s (median step), capacity " + CAPACITY + ", prompt " + PROMPT
                + ", context " + PROMPT + ".." + (PROMPT + TOTAL_STEPS) + ", " + THREADS + " intra-op threads, "
                + STEPS + " timed steps per contender in blocks of " + BLOCK + "\n" + table);
        for (int c = 1; c < n; c++) {
            if (firstRowTokens[0] == null) {
                break;
            }
            int same = 0;
            while (same < firstRowTokens[0].length && firstRowTokens[c][same] == firstRowTokens[0][same]) {
                same++;
            }
            System.err.printf("[bench] batch 1: %s's first %d of %d greedy tokens equal %s's%n", cs.get(c).name(),
                    same, firstRowTokens[0].length, cs.get(0).name());
        }
        for (Contender c : cs) {
            if (c.model() instanceof OrtDecoderModel o && o.usesSharedKvArena()) {
                copyCost(o, CAPACITY - 8);
            }
        }
        cs.forEach(c -> c.model().close());
        if (Boolean.getBoolean("ortengine.bench.copy1024")) {
            try (OrtDecoderModel big = (OrtDecoderModel) DecoderModels.load(ckpt, EngineKind.ONNXRUNTIME, "cpu",
                    opts.withMaxSequenceTokens(1024).withKvCacheTokens(2 * 1024))) {
                copyCost(big, 1000);
            }
        }
    }

    /** Median time of copying one sequence's {@code length} cached tokens to another slot ({@code fork}). */
    private static void copyCost(OrtDecoderModel m, int length) {
        try (SequenceState s = m.newSequence(length)) {
            int[] p = new int[length];
            for (int i = 0; i < length; i++) {
                p[i] = 3 + (i * 37) % 250;
            }
            m.forward(List.of(s), List.of(p));
            long[] ns = new long[9];
            long bytes = 0;
            for (int i = 0; i < ns.length; i++) {
                long b0 = m.kvBytesCopied();
                long t0 = m.kvCopyNanos();
                m.fork(s, length).close();
                ns[i] = m.kvCopyNanos() - t0;
                bytes = m.kvBytesCopied() - b0;
            }
            Arrays.sort(ns);
            System.err.printf(Locale.ROOT, "[bench] %s: moving one sequence of %d tokens copies %.1f MiB in %.2f ms "
                            + "(median of %d; %.1f GB/s)%n", m.builtQuantization(), length, bytes / 1048576.0,
                    ns[ns.length / 2] / 1e6, ns.length, bytes / (double) ns[ns.length / 2]);
        }
    }
}
