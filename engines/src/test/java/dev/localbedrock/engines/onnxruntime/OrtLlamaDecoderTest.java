package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.onnxruntime.OrtTestSupport.Trace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.argmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-random-llama's GenAI ONNX export ({@code past_key_values.N.*}, int64 ids, MultiHeadAttention) on ONNX Runtime
 * against the PyTorch engine on the same weights (safetensors): identical greedy tokens and logits within float32 rounding ({@link F32Bounds}), for a
 * batch of prompts of different lengths and for each prompt alone; and the engine's own batching, chunking, forking
 * and pool accounting.
 */
class OrtLlamaDecoderTest {
    /** Longer than any sequence built here (the longest prompt + 20 steps). */
    private static final int CONTEXT = 64;
    /**
     * PyTorch and the GenAI export: two float32 programs of one network, summation order and blocking differ. The
     * bound holds for any order, so it is the same on {@code -Dengine.test.device=cuda}, provided TF32 is off (see
     * {@link TestModels#device()}: ONNX Runtime's CUDA provider enables it by default).
     */
    private static final F32Bounds.Bound CROSS_ENGINE = F32Bounds.betweenF32("ort llama export vs pytorch",
            F32Bounds.Shape.of(TestModels.tinyLlama(), CONTEXT));
    /**
     * The export against itself, batched (left-padded past, several rows per GEMM) vs alone: MLAS picks GEMM kernels
     * by row count, so the engine promises equality up to summation order, not bit-exactness.
     */
    private static final F32Bounds.Bound SAME_ENGINE = F32Bounds.betweenF32("ort llama export batched vs alone",
            F32Bounds.Shape.of(TestModels.tinyLlama(), CONTEXT));
    private static final int STEPS = 20;
    private static final String[] PROMPTS = {
        "Hello world",
        "The capital of France is Paris, and the capital of",
        "Once upon a time",
        "A",
    };
    private static OrtDecoderModel ort;
    private static DecoderModel pt;
    private static List<int[]> prompts;

    @BeforeAll
    static void load() throws IOException {
        ort = OrtDecoderModel.load(TestModels.tinyLlama(), HfModelConfig.load(TestModels.tinyLlama()), TestModels.device(),
                EngineOptions.defaults().withMaxSequenceTokens(256));
        pt = DecoderModels.load(TestModels.tinyLlama(), EngineKind.PYTORCH, TestModels.device(),
                EngineOptions.defaults().withMaxSequenceTokens(256));
        prompts = new ArrayList<>();
        for (String p : PROMPTS) {
            prompts.add(ort.tokenizer().encode(p, true));
        }
    }

    @AfterAll
    static void close() {
        if (ort != null) {
            ort.close();
        }
        if (pt != null) {
            pt.close();
        }
    }

    @Test
    void describesTheGraph() {
        assertEquals("llama", ort.info().architecture());
        assertEquals(32000, ort.info().vocabSize());
        assertEquals(1, ort.info().bosTokenId()); // config.json, not genai_config.json's 0
        assertEquals(List.of(2), List.copyOf(ort.info().eosTokenIds()));
        assertTrue(ort.info().addBos());
        assertEquals(256, ort.info().maxPositions());
        assertArrayEquals(new int[] {1, 15043, 3186}, ort.tokenizer().encode("Hello world", true));
        assertTrue(ort.graphFile().endsWith("onnx/model.onnx"));
        // the GenAI Llama export's causal mask ignores the past: chunks on a past run token by token
        assertFalse(ort.chunksOnPast());
        assertTrue(ort.batchesAcrossLengths());
    }

    @Test
    void eachPromptAloneMatchesPyTorch() {
        for (int[] prompt : prompts) {
            Trace expected = OrtTestSupport.greedyAlone(pt, prompt, STEPS);
            Trace actual = OrtTestSupport.greedyAlone(ort, prompt, STEPS);
            assertTraces(expected, actual, CROSS_ENGINE, Arrays.toString(prompt));
        }
    }

    @Test
    void aBatchOfDifferentLengthsMatchesPyTorchAndEachRowAlone() {
        List<Trace> expected = OrtTestSupport.greedyBatched(pt, prompts, STEPS);
        long runs = ort.sessionRuns();
        List<Trace> actual = OrtTestSupport.greedyBatched(ort, prompts, STEPS);
        // one run per distinct prompt length, then one run per decode step for all four rows
        assertEquals(prompts.size() + STEPS, ort.sessionRuns() - runs);
        for (int r = 0; r < prompts.size(); r++) {
            assertTraces(expected.get(r), actual.get(r), CROSS_ENGINE, "row " + r);
            Trace alone = OrtTestSupport.greedyAlone(ort, prompts.get(r), STEPS);
            assertTraces(alone, actual.get(r), SAME_ENGINE, "row " + r + " alone vs batched");
        }
    }

    @Test
    void promptInChunksEqualsOnePrefill() {
        int[] prompt = prompts.get(1);
        float[] whole;
        try (SequenceState seq = ort.newSequence(64)) {
            whole = ort.forward(List.of(seq), List.of(prompt))[0];
        }
        try (SequenceState seq = ort.newSequence(64); SequenceState other = ort.newSequence(64)) {
            ort.forward(List.of(seq), List.of(Arrays.copyOfRange(prompt, 0, 3)));
            ort.forward(List.of(other), List.of(new int[] {1, 450}));
            // a chunk on a past next to another row's chunk of the same length
            float[][] l = ort.forward(List.of(seq, other), List.of(Arrays.copyOfRange(prompt, 3, 7),
                    new int[] {5, 6, 7, 8}));
            assertEquals(7, seq.length());
            assertEquals(6, other.length());
            assertEquals(32000, l[0].length);
            float[] last = ort.forward(List.of(seq), List.of(Arrays.copyOfRange(prompt, 7, prompt.length)))[0];
            SAME_ENGINE.check(whole, last, "chunked vs one prefill");
        }
    }

    @Test
    void aForkContinuesExactlyLikeTheOriginal() {
        try (SequenceState original = ort.newSequence(64)) {
            float[] l = ort.forward(List.of(original), List.of(prompts.get(2)))[0];
            long free = ort.freeKvTokens();
            try (SequenceState fork = ort.fork(original, 48)) {
                assertEquals(free - 48, ort.freeKvTokens());
                assertEquals(original.length(), fork.length());
                int a = argmax(l);
                int b = a;
                for (int s = 0; s < 10; s++) {
                    float[][] out = ort.forward(List.of(original, fork), List.of(new int[] {a}, new int[] {b}));
                    SAME_ENGINE.check(out[0], out[1], "fork vs original, step " + s);
                    a = argmax(out[0]);
                    b = argmax(out[1]);
                    assertEquals(a, b, "step " + s);
                }
            }
            assertEquals(free, ort.freeKvTokens());
        }
    }

    @Test
    void reservationsComeFromThePoolAndAreChecked() throws IOException {
        try (OrtDecoderModel small = OrtDecoderModel.load(TestModels.tinyLlama(),
                HfModelConfig.load(TestModels.tinyLlama()), "cpu",
                EngineOptions.defaults().withMaxSequenceTokens(16).withKvCacheTokens(40))) {
            assertEquals(40, small.freeKvTokens());
            SequenceState a = small.newSequence(16);
            SequenceState b = small.newSequence(16);
            assertEquals(8, small.freeKvTokens());
            assertThrows(KvCacheFullException.class, () -> small.newSequence(9));
            assertThrows(IllegalArgumentException.class, () -> small.newSequence(17));
            a.close();
            assertEquals(24, small.freeKvTokens());
            try (SequenceState c = small.newSequence(4)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> small.forward(List.of(c), List.of(new int[] {1, 2, 3, 4, 5})));
                assertTrue(e.getMessage().contains("reservation"), e.getMessage());
                assertEquals(0, c.length());
                small.forward(List.of(c), List.of(new int[] {1, 2, 3, 4}));
                assertEquals(4, c.length());
            }
            b.close();
            assertEquals(40, small.freeKvTokens());
        }
    }

    @Test
    void badRowsAreRejectedBeforeAnythingRuns() {
        try (SequenceState a = ort.newSequence(16); SequenceState b = ort.newSequence(16)) {
            ort.forward(List.of(a), List.of(new int[] {1, 2}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ort.forward(List.of(a, b), List.of(new int[] {3}, new int[] {32000})));
            assertTrue(e.getMessage().contains("32000"), e.getMessage());
            assertEquals(2, a.length());
            assertEquals(0, b.length());
            assertThrows(IllegalArgumentException.class, () -> ort.forward(List.of(a, a),
                    List.of(new int[] {3}, new int[] {4})));
            assertThrows(IllegalArgumentException.class, () -> ort.forward(List.of(a), List.of(new int[0])));
            assertThrows(IllegalArgumentException.class, () -> ort.forward(List.of(a), List.of(new int[] {-1})));
        }
        SequenceState closed = ort.newSequence(4);
        closed.close();
        assertThrows(IllegalStateException.class, () -> ort.forward(List.of(closed), List.of(new int[] {1})));
    }

    static void assertTraces(Trace expected, Trace actual, F32Bounds.Bound bound, String what) {
        assertArrayEquals(expected.tokens(), actual.tokens(), what + ": greedy tokens");
        for (int s = 0; s < expected.logits().size(); s++) {
            bound.check(expected.logits().get(s), actual.logits().get(s), what + " step " + s);
        }
    }
}
