package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
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
import java.util.Set;

import static dev.localbedrock.engines.onnxruntime.OrtLlamaDecoderTest.assertTraces;
import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.append;
import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.argmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-random-gpt2's legacy ONNX export ({@code past_N} with keys and values stacked, int32 ids, the Attention contrib
 * op) on ONNX Runtime: the KV cache against full recomputation, batched rows against rows alone, and rejection of the
 * tokenizer's ids the 1000-entry model cannot take. Driven with ids below 1000.
 */
class OrtGpt2DecoderTest {
    /** The longest sequence built here: {@code longSequencesGrowTheirCachesAcrossBothPaths}' 207 tokens. */
    private static final int CONTEXT = 208;
    /** Cached decode, batches and chunks against recomputation: one network in float32, order and blocking differ. */
    private static final F32Bounds.Bound SAME_NETWORK = F32Bounds.betweenF32("ort gpt2 export, order only",
            F32Bounds.Shape.of(TestModels.tinyGpt2(), CONTEXT));
    /** Rows batched (left-padded past, several rows per GEMM) vs alone: not bit-exact, the padded length changes the
     *  attention's blocking. */
    private static final F32Bounds.Bound BATCHED = F32Bounds.betweenF32("ort gpt2 export batched vs alone",
            F32Bounds.Shape.of(TestModels.tinyGpt2(), CONTEXT));
    private static final int STEPS = 20;
    private static final int[] PROMPT_A = {98, 10, 20, 30, 40, 50, 60};
    private static final int[] PROMPT_B = {98, 500};
    private static final int[] PROMPT_C = {98, 7, 77, 777, 999, 0, 1, 2, 3, 4, 5};
    private static OrtDecoderModel model;

    @BeforeAll
    static void load() throws IOException {
        model = OrtDecoderModel.load(TestModels.tinyGpt2(), HfModelConfig.load(TestModels.tinyGpt2()), TestModels.device(),
                EngineOptions.defaults());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void describesTheGraph() {
        assertEquals("gpt2", model.info().architecture());
        assertEquals(1000, model.info().vocabSize());
        assertEquals(98, model.info().bosTokenId());
        assertEquals(Set.of(98), model.info().eosTokenIds());
        assertFalse(model.info().addBos());
        assertEquals(512, model.info().maxPositions()); // n_positions
        assertTrue(model.graphFile().endsWith("onnx/past.onnx")); // named by genai_config.json
        assertTrue(model.chunksOnPast());
        assertTrue(model.batchesAcrossLengths());
    }

    @Test
    void loadsThroughDecoderModels() {
        try (DecoderModel m = DecoderModels.load(TestModels.tinyGpt2(), EngineKind.ONNXRUNTIME, TestModels.device(), null)) {
            assertInstanceOf(OrtDecoderModel.class, m);
            try (SequenceState s = m.newSequence(8)) {
                assertEquals(1000, m.forward(List.of(s), List.of(PROMPT_B))[0].length);
            }
        }
    }

    @Test
    void kvCacheDecodeEqualsFullRecomputation() {
        int[] ids = PROMPT_A;
        try (SequenceState seq = model.newSequence(ids.length + STEPS)) {
            float[] logits = model.forward(List.of(seq), List.of(ids))[0];
            for (int step = 0; step < STEPS; step++) {
                float[] recomputed;
                try (SequenceState fresh = model.newSequence(ids.length)) {
                    recomputed = model.forward(List.of(fresh), List.of(ids))[0];
                }
                SAME_NETWORK.check(recomputed, logits, "step " + step + ": cached vs recomputed");
                int next = argmax(logits);
                assertEquals(argmax(recomputed), next, "step " + step);
                ids = append(ids, next);
                logits = model.forward(List.of(seq), List.of(new int[] {next}))[0];
            }
            assertEquals(PROMPT_A.length + STEPS, seq.length());
        }
    }

    @Test
    void rowsJoiningAtDifferentStepsEqualEachRowAlone() {
        int[][] prompts = {PROMPT_A, PROMPT_B, PROMPT_C};
        int[] joinAt = {0, 3, 6};
        int total = 6 + STEPS;
        List<Trace> alone = new ArrayList<>();
        for (int r = 0; r < prompts.length; r++) {
            alone.add(OrtTestSupport.greedyAlone(model, prompts[r], total - joinAt[r]));
        }
        SequenceState[] seqs = new SequenceState[prompts.length];
        List<List<float[]>> logits = new ArrayList<>();
        int[][] generated = new int[prompts.length][];
        float[][] last = new float[prompts.length][];
        try {
            for (int step = 0; step < total; step++) {
                List<SequenceState> rows = new ArrayList<>();
                List<int[]> tokens = new ArrayList<>();
                List<Integer> which = new ArrayList<>();
                for (int r = 0; r < prompts.length; r++) {
                    if (step == joinAt[r]) {
                        seqs[r] = model.newSequence(prompts[r].length + total + 1);
                        logits.add(null);
                        generated[r] = new int[0];
                        rows.add(seqs[r]);
                        tokens.add(prompts[r]);
                        which.add(r);
                    } else if (step > joinAt[r]) {
                        int next = argmax(last[r]);
                        generated[r] = append(generated[r], next);
                        rows.add(seqs[r]);
                        tokens.add(new int[] {next});
                        which.add(r);
                    }
                }
                float[][] out = model.forward(rows, tokens);
                for (int i = 0; i < which.size(); i++) {
                    int r = which.get(i);
                    last[r] = out[i];
                    int s = step - joinAt[r];
                    if (s < alone.get(r).logits().size()) {
                        BATCHED.check(alone.get(r).logits().get(s), out[i], "row " + r + " step " + s
                                + ": batched vs alone");
                    }
                }
            }
            for (int r = 0; r < prompts.length; r++) {
                int[] expected = Arrays.copyOf(alone.get(r).tokens(), generated[r].length);
                assertArrayEquals(expected, generated[r], "row " + r);
                assertTrue(generated[r].length >= STEPS - 1, "row " + r);
            }
        } finally {
            for (SequenceState s : seqs) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void decodeRowsOfDifferentLengthsShareOneRun() {
        try (SequenceState a = model.newSequence(32); SequenceState b = model.newSequence(32);
             SequenceState c = model.newSequence(32)) {
            model.forward(List.of(a, b, c), List.of(PROMPT_A, PROMPT_B, PROMPT_C)); // three lengths: three runs
            long before = model.sessionRuns();
            model.forward(List.of(a, b, c), List.of(new int[] {1}, new int[] {2}, new int[] {3}));
            assertEquals(1, model.sessionRuns() - before);
            before = model.sessionRuns();
            model.forward(List.of(a, b), List.of(new int[] {4, 5}, new int[] {6, 7})); // a chunk each, pasts differ
            assertEquals(2, model.sessionRuns() - before);
        }
    }

    @Test
    void longSequencesGrowTheirCachesAcrossBothPaths() {
        // past the initial buffer sizes, alternating runs alone (buffer swap) and batched (gather/scatter)
        int[][] ids = {PROMPT_A.clone(), PROMPT_B.clone()};
        try (SequenceState a = model.newSequence(300); SequenceState b = model.newSequence(300)) {
            float[][] last = model.forward(List.of(a, b), List.of(ids[0], ids[1]));
            for (int step = 0; step < 200; step++) {
                int na = argmax(last[0]);
                int nb = argmax(last[1]);
                ids[0] = append(ids[0], na);
                ids[1] = append(ids[1], nb);
                if (step % 3 == 0) {
                    last[0] = model.forward(List.of(a), List.of(new int[] {na}))[0];
                    last[1] = model.forward(List.of(b), List.of(new int[] {nb}))[0];
                } else {
                    last = model.forward(List.of(a, b), List.of(new int[] {na}, new int[] {nb}));
                }
                if (step % 50 == 49) {
                    for (int r = 0; r < 2; r++) {
                        try (SequenceState fresh = model.newSequence(ids[r].length)) {
                            float[] expected = model.forward(List.of(fresh), List.of(ids[r]))[0];
                            SAME_NETWORK.check(expected, last[r], "row " + r + " step " + step + ": vs recomputed");
                        }
                    }
                }
            }
            assertEquals(PROMPT_A.length + 200, a.length());
        }
    }

    @Test
    void promptInChunksEqualsOnePrefill() {
        float[] whole;
        try (SequenceState seq = model.newSequence(16)) {
            whole = model.forward(List.of(seq), List.of(PROMPT_C))[0];
        }
        try (SequenceState seq = model.newSequence(16)) {
            model.forward(List.of(seq), List.of(Arrays.copyOfRange(PROMPT_C, 0, 4)));
            model.forward(List.of(seq), List.of(Arrays.copyOfRange(PROMPT_C, 4, 9)));
            float[] last = model.forward(List.of(seq), List.of(Arrays.copyOfRange(PROMPT_C, 9, PROMPT_C.length)))[0];
            SAME_NETWORK.check(whole, last, "chunked vs one prefill");
        }
    }

    @Test
    void outOfRangeIdsAreRejectedAndTheSequenceStaysUsable() {
        // the GPT-2 tokenizer yields ids the 1000-entry model does not have
        int[] encoded = model.tokenizer().encode("Hello world, this is a sentence", false);
        assertTrue(Arrays.stream(encoded).anyMatch(id -> id >= 1000), Arrays.toString(encoded));
        try (SequenceState seq = model.newSequence(32); SequenceState ref = model.newSequence(32)) {
            model.forward(List.of(seq), List.of(PROMPT_A));
            model.forward(List.of(ref), List.of(PROMPT_A));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(seq), List.of(new int[] {5000})));
            assertTrue(e.getMessage().contains("5000"), e.getMessage());
            assertEquals(PROMPT_A.length, seq.length());
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(seq), List.of(encoded)));
            assertTrue(e.getMessage().contains("token id"), e.getMessage());
            float[] after = model.forward(List.of(seq), List.of(new int[] {42}))[0];
            float[] expected = model.forward(List.of(ref), List.of(new int[] {42}))[0];
            // both rows alone, same past, same token: the same kernels on the same data
            F32Bounds.assertBitExact("ort gpt2 alone after a rejected call", expected, after, "after rejection");
        }
    }

    @Test
    void aForkContinuesExactlyLikeTheOriginal() {
        try (SequenceState original = model.newSequence(40)) {
            float[] l = model.forward(List.of(original), List.of(PROMPT_C))[0];
            try (SequenceState fork = model.fork(original, 40)) {
                assertEquals(PROMPT_C.length, fork.length());
                int a = argmax(l);
                int b = a;
                for (int s = 0; s < 15; s++) {
                    // alone, so each takes its own zero-copy path
                    float[] la = model.forward(List.of(original), List.of(new int[] {a}))[0];
                    float[] lb = model.forward(List.of(fork), List.of(new int[] {b}))[0];
                    // each alone on its own copy of the same past: the same kernels on the same data
                    F32Bounds.assertBitExact("ort gpt2 fork alone vs original alone", la, lb, "step " + s);
                    a = argmax(la);
                    b = argmax(lb);
                }
                assertThrows(IllegalArgumentException.class, () -> model.fork(original, 10));
            }
        }
    }
}
