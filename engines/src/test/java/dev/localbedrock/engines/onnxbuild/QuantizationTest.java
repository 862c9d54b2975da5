package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OrtException;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weight-only per-column int8 graphs ({@code int8-dynamic}, {@code DynamicQuantizeMatMul}): they run in every driving
 * mode, are about a quarter of the f32 size, and agree with the f32 graph on the top-1 token at most positions.
 * Random-weight models have flat, near-tied logits, so agreement is reported and bounded loosely rather than required
 * to be exact.
 */
class QuantizationTest {
    static final int NEW_TOKENS = 16;

    @TempDir
    Path tmp;

    /** Teacher-forced top-1 agreement (f32 greedy sequence fed to both) and the free-running identical prefix. */
    private double agreement(String label, Path ckpt, List<int[]> prompts) throws IOException, OrtException {
        BuiltGraph f32 = OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-f32"), BuildOptions.defaults());
        BuiltGraph int8 = OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-int8"),
                BuildOptions.defaults().withQuantization(BuildOptions.Quantization.INT8_DYNAMIC));
        long f32Bytes = Files.size(f32.modelFile());
        long int8Bytes = Files.size(int8.modelFile());
        GraphRunner.Result reference;
        GraphRunner.Result free;
        GraphRunner.Result forced;
        GraphRunner.Result forcedStd;
        try (GraphRunner a = new GraphRunner(f32, 1); GraphRunner b = new GraphRunner(int8, 1)) {
            reference = a.greedy(prompts, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED);
            free = b.greedy(prompts, NEW_TOKENS, GraphRunner.Mode.SHARED_STAGGERED);
            forced = b.force(reference.tokens()).greedy(prompts, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED);
        }
        BuiltGraph int8Std = OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-int8-std"), BuildOptions.defaults()
                .withQuantization(BuildOptions.Quantization.INT8_DYNAMIC).withVariant(BuildOptions.Variant.STANDARD));
        try (GraphRunner c = new GraphRunner(int8Std, 1)) {
            forcedStd = c.force(reference.tokens()).greedy(prompts, NEW_TOKENS,
                    GraphRunner.Mode.LEFT_PADDED_CONCAT);
        }
        int agree = 0;
        int agreeStd = 0;
        int total = 0;
        int prefix = 0;
        float worst = 0;
        for (int r = 0; r < prompts.size(); r++) {
            int[] ref = reference.tokens().get(r);
            for (int i = 0; i < NEW_TOKENS; i++) {
                agree += forced.tokens().get(r)[i] == ref[i] ? 1 : 0;
                agreeStd += forcedStd.tokens().get(r)[i] == ref[i] ? 1 : 0;
                worst = Math.max(worst, GraphRunner.maxAbsDiff(reference.logits().get(r).get(i),
                        forced.logits().get(r).get(i)));
                total++;
            }
            int p = 0;
            while (p < NEW_TOKENS && free.tokens().get(r)[p] == ref[p]) {
                p++;
            }
            prefix += p;
        }
        double rate = agree / (double) total;
        System.err.printf("[onnxbuild-test] int8-dynamic %s: teacher-forced top-1 agreement %d/%d = %.0f%% (standard "
                        + "variant "
                        + "%d/%d), free-running greedy identical for %d/%d tokens, max |logit diff| %.3f, model %.2f MB "
                        + "vs f32 %.2f MB%n", label, agree, total, 100 * rate, agreeStd, total, prefix, total, worst,
                int8Bytes / 1e6, f32Bytes / 1e6);
        assertTrue(int8Bytes < f32Bytes, "int8 graph is smaller");
        return rate;
    }

    @Test
    void tinyLlama() throws Exception {
        double rate = agreement("tiny-random-llama", TestModels.tinyLlama(), LlamaGraphTest.PROMPTS);
        assertTrue(rate >= 0.5, "top-1 agreement " + rate);
    }

    @Test
    void tinyGpt2() throws Exception {
        double rate = agreement("tiny-random-gpt2", TestModels.tinyGpt2(), Gpt2GraphTest.PROMPTS);
        assertTrue(rate >= 0.5, "top-1 agreement " + rate);
    }

    @Test
    void randomGqaLlama() throws Exception {
        Path ckpt = Checkpoints.write(tmp.resolve("gqa"), "llama", 5, false, false, Checkpoints.Storage.F32, 1,
                c -> { });
        double rate = agreement("random GQA llama (hidden 64)", ckpt, ArchitecturesTest.PROMPTS);
        assertTrue(rate >= 0.5, "top-1 agreement " + rate);
    }
}
