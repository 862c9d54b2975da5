package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Block-wise {@code int8} / {@code int4} graphs ({@code MatMulNBits}) on the shared tiny checkpoints.
 *
 * <p><b>Rows are independent of their batch neighbours.</b> {@code MatMulNBits} quantizes each activation row on its
 * own (per block of 32 inputs), and every other op of the graph is row-wise too, so a prompt run alone and the same
 * prompt run beside two others of different lengths (batched prefill, and continuous batching where rows sit at
 * different positions) must give bit-identical logits at every step, hence the same greedy tokens. (The
 * {@code int8-dynamic} graphs quantize the whole activation tensor with one scale; their difference is printed for
 * contrast, not asserted.)
 *
 * <p><b>Quality against f32</b>, teacher-forced over a short English text (all positions' logits in one run):
 * top-1 agreement, the perplexity of the text, and the largest logit difference {@code Δ}. Two facts of the
 * arithmetic are checked, not one machine's figures: log-softmax moves by at most {@code 2·max|Δz|} when the logits
 * move by {@code Δz}, so {@code |Δ ln ppl|} is at most twice the mean per-position {@code max|Δz|}, and every
 * position whose f32 top-1 margin exceeds {@code 2·max|Δz|} keeps its top-1 token; and int8's blocks have 255 steps where
 * int4's have 15, so int8's logit error must be well under int4's (asserted: under half; the step ratio is 17, and
 * the int8 activations both formats share add the same error to each).
 */
class BlockQuantizationTest {
    /** A short English text (llama: its own tokenizer; GPT-2: the tokens with ids the 1000-word model has). */
    static final String TEXT = "The quick brown fox jumps over the lazy dog. In the beginning of the year the people "
            + "of the town went to the market to buy bread, milk and eggs, and they came back home in the evening.";
    static final int NEW_TOKENS = 8;

    @TempDir
    static Path tmp;

    record Quality(double agreement, double lnPplDelta, double meanMaxDiff, double maxDiff, int safe, int safeAgree,
                   double ppl, double pplF32) {
    }

    static Map<String, BuiltGraph> llama = new HashMap<>();
    static Map<String, BuiltGraph> gpt2 = new HashMap<>();

    @BeforeAll
    static void build() throws Exception {
        for (BuildOptions.Quantization q : BuildOptions.Quantization.values()) {
            llama.put(q.id(), OnnxGraphBuilder.build(TestModels.tinyLlama(), tmp.resolve("llama-" + q.id()),
                    BuildOptions.defaults().withQuantization(q)));
            gpt2.put(q.id(), OnnxGraphBuilder.build(TestModels.tinyGpt2(), tmp.resolve("gpt2-" + q.id()),
                    BuildOptions.defaults().withQuantization(q)));
        }
    }

    @Test
    void blockwiseGraphsAreSmallerAndUseMatMulNBits() throws Exception {
        for (Map<String, BuiltGraph> m : List.of(llama, gpt2)) {
            long f32 = Files.size(m.get("none").modelFile());
            long int8 = Files.size(m.get("int8").modelFile());
            long int4 = Files.size(m.get("int4").modelFile());
            assertTrue(int4 < int8 && int8 < f32, "sizes f32 " + f32 + ", int8 " + int8 + ", int4 " + int4);
            String graph = new String(Files.readAllBytes(m.get("int4").modelFile()),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(graph.contains("MatMulNBits") && !graph.contains("DynamicQuantizeMatMul"));
            assertEquals(BuildOptions.Quantization.INT4, m.get("int4").spec().quantization());
        }
    }

    @Test
    void llamaRowsDoNotDependOnBatchNeighbours() throws Exception {
        for (String q : List.of("int8", "int4")) {
            independent("tiny-random-llama " + q, llama.get(q), LlamaGraphTest.PROMPTS);
        }
        contrast("tiny-random-llama", llama.get("int8-dynamic"), LlamaGraphTest.PROMPTS);
    }

    @Test
    void gpt2RowsDoNotDependOnBatchNeighbours() throws Exception {
        for (String q : List.of("int8", "int4")) {
            independent("tiny-random-gpt2 " + q, gpt2.get(q), Gpt2GraphTest.PROMPTS);
        }
        contrast("tiny-random-gpt2", gpt2.get("int8-dynamic"), Gpt2GraphTest.PROMPTS);
    }

    @Test
    void llamaQualityAgainstF32() throws Exception {
        int[] ids;
        try (HfTextTokenizer tok = HfTextTokenizer.load(TestModels.tinyLlama())) {
            ids = tok.encode(TEXT, true);
        }
        quality("tiny-random-llama", TestModels.tinyLlama(), ids);
    }

    @Test
    void gpt2QualityAgainstF32() throws Exception {
        int[] ids;
        try (HfTextTokenizer tok = HfTextTokenizer.load(TestModels.tinyGpt2())) {
            ids = Arrays.stream(tok.encode(TEXT, false)).filter(i -> i < 1000).toArray();
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = 98;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        quality("tiny-random-gpt2", TestModels.tinyGpt2(), withBos);
    }

    // ------------------------------------------------------------------ per-row independence

    private static void independent(String label, BuiltGraph g, List<int[]> prompts) throws Exception {
        try (GraphRunner r = new GraphRunner(g, 2)) {
            for (GraphRunner.Mode mode : List.of(GraphRunner.Mode.SHARED_BATCHED, GraphRunner.Mode.SHARED_STAGGERED)) {
                GraphRunner.Result batch = r.greedy(prompts, NEW_TOKENS, mode);
                for (int p = 0; p < prompts.size(); p++) {
                    GraphRunner.Result alone = r.greedy(List.of(prompts.get(p)), NEW_TOKENS,
                            GraphRunner.Mode.SHARED_BATCHED);
                    assertArrayEquals(alone.tokens().get(0), batch.tokens().get(p),
                            label + " " + mode + ": prompt " + p + "'s tokens change with its neighbours");
                    for (int i = 0; i < NEW_TOKENS; i++) {
                        assertArrayEquals(alone.logits().get(0).get(i), batch.logits().get(p).get(i), 0f,
                                label + " " + mode + ": prompt " + p + " step " + i + ": logits differ");
                    }
                }
            }
        }
        System.err.printf("[onnxbuild-test] %s: every prompt's logits bit-identical alone and beside %d others "
                + "(batched prefill and continuous batching)%n", label, prompts.size() - 1);
    }

    private static void contrast(String label, BuiltGraph g, List<int[]> prompts) throws Exception {
        try (GraphRunner r = new GraphRunner(g, 2)) {
            GraphRunner.Result batch = r.greedy(prompts, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED);
            float worst = 0;
            int tokensDiffer = 0;
            for (int p = 0; p < prompts.size(); p++) {
                GraphRunner.Result alone = r.greedy(List.of(prompts.get(p)), NEW_TOKENS,
                        GraphRunner.Mode.SHARED_BATCHED);
                tokensDiffer += Arrays.equals(alone.tokens().get(0), batch.tokens().get(p)) ? 0 : 1;
                worst = Math.max(worst, GraphRunner.maxAbsDiff(alone.logits().get(0).get(0),
                        batch.logits().get(p).get(0)));
            }
            System.err.printf("[onnxbuild-test] %s int8-dynamic (for contrast): first-step logits alone vs "
                    + "batched differ by up to %.3g; %d of %d prompts' greedy tokens differ%n", label, worst,
                    tokensDiffer, prompts.size());
        }
    }

    // ------------------------------------------------------------------ quality

    private static void quality(String label, Path ckpt, int[] ids) throws Exception {
        BuildOptions all = BuildOptions.defaults().withAllLogits(true);
        float[][] f32 = allLogits(OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-all-f32"), all), ids);
        Quality int8 = compare(f32, allLogits(OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-all-int8"),
                all.withQuantization(BuildOptions.Quantization.INT8)), ids), ids);
        Quality int4 = compare(f32, allLogits(OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-all-int4"),
                all.withQuantization(BuildOptions.Quantization.INT4)), ids), ids);
        for (Map.Entry<String, Quality> e : Map.of("int8", int8, "int4", int4).entrySet()) {
            Quality q = e.getValue();
            System.err.printf(java.util.Locale.ROOT, "[onnxbuild-test] quality %s %s vs f32 over %d tokens: top-1 "
                            + "agreement %.1f%% (%d/%d positions with a margin over 2·max|Δz| all agree: %d), "
                            + "perplexity %.2f vs %.2f (Δ ln ppl %+.4f), max|Δz| mean %.4f, max %.4f%n", label,
                    e.getKey(), ids.length - 1, 100 * q.agreement(), q.safe(), ids.length - 1, q.safeAgree(), q.ppl(),
                    q.pplF32(), q.lnPplDelta(), q.meanMaxDiff(), q.maxDiff());
            assertTrue(Math.abs(q.lnPplDelta()) <= 2 * q.meanMaxDiff() * (1 + 1e-6) + 1e-6,
                    e.getKey() + ": perplexity moved more than the logits allow");
            assertEquals(q.safe(), q.safeAgree(), e.getKey() + ": a top-1 token with a safe margin changed");
        }
        assertTrue(int8.maxDiff() < int4.maxDiff() / 2, "int8 error " + int8.maxDiff() + " is not well under "
                + "int4's " + int4.maxDiff());
        assertTrue(int8.meanMaxDiff() < int4.meanMaxDiff() / 2, "int8 mean error " + int8.meanMaxDiff()
                + " is not well under int4's " + int4.meanMaxDiff());
    }

    /** Logits of every position of {@code ids} (batch 1, one run from an empty cache). */
    private static float[][] allLogits(BuiltGraph g, int[] ids) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        GraphSpec spec = g.spec();
        long[] in = Arrays.stream(ids).asLongStream().toArray();
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1L);
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(g.modelFile().toString(), o)) {
                feed.put(GraphSpec.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(in),
                        new long[] {1, ids.length}));
                feed.put(GraphSpec.ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask),
                        new long[] {1, ids.length}));
                for (int l = 0; l < spec.numLayers(); l++) {
                    long[] empty = {1, spec.numKvHeads(), 0, spec.headDim()};
                    feed.put(GraphSpec.pastKey(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
                    feed.put(GraphSpec.pastValue(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
                }
                try (OrtSession.Result r = s.run(feed)) {
                    FloatBuffer fb = ((OnnxTensor) r.get(GraphSpec.LOGITS).orElseThrow()).getFloatBuffer();
                    int v = spec.vocabSize();
                    float[][] out = new float[ids.length][v];
                    for (float[] row : out) {
                        fb.get(row);
                    }
                    return out;
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    private static Quality compare(float[][] ref, float[][] q, int[] ids) {
        int positions = ids.length - 1; // position t predicts ids[t+1]
        int agree = 0;
        int safe = 0;
        int safeAgree = 0;
        double nllRef = 0;
        double nllQ = 0;
        double sumMax = 0;
        double max = 0;
        for (int t = 0; t < positions; t++) {
            double d = GraphRunner.maxAbsDiff(ref[t], q[t]);
            sumMax += d;
            max = Math.max(max, d);
            int top = GraphRunner.argmax(ref[t]);
            boolean same = top == GraphRunner.argmax(q[t]);
            agree += same ? 1 : 0;
            float second = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < ref[t].length; i++) {
                if (i != top) {
                    second = Math.max(second, ref[t][i]);
                }
            }
            if (ref[t][top] - second > 2 * d) {
                safe++;
                safeAgree += same ? 1 : 0;
            }
            nllRef -= logSoftmax(ref[t], ids[t + 1]);
            nllQ -= logSoftmax(q[t], ids[t + 1]);
        }
        return new Quality(agree / (double) positions, (nllQ - nllRef) / positions, sumMax / positions, max, safe,
                safeAgree, Math.exp(nllQ / positions), Math.exp(nllRef / positions));
    }

    private static double logSoftmax(float[] z, int i) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            m = Math.max(m, v);
        }
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v - m);
        }
        return z[i] - m - Math.log(sum);
    }
}
