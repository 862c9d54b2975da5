package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static dev.localbedrock.engines.pytorch.Greedy.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PyTorch engine on tiny-random-llama: KV cache against recomputation, batching, validation, memory. */
class PtLlamaModelTest {
    /** Longer than any sequence the tests here build (prompt + 20 decode steps). */
    private static final int CONTEXT = 64;
    /** Two float32 runs of the same network that differ only in summation order or blocking. */
    private static final F32Bounds.Bound SAME_NETWORK = F32Bounds.betweenF32("pytorch llama, order only",
            F32Bounds.Shape.of(TestModels.tinyLlama(), CONTEXT));
    private static PtDecoderModel model;

    @BeforeAll
    static void load() throws IOException {
        model = PtDecoderModel.load(TestModels.tinyLlama(), "cpu", EngineOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] run(SequenceState seq, int... tokens) {
        return DecoderChecks.run(model, seq, tokens);
    }

    private static float[] recompute(int[] ids) {
        return DecoderChecks.recompute(model, ids);
    }

    @Test
    void infoComesFromTheCheckpoint() {
        ModelInfo info = model.info();
        assertEquals("llama", info.architecture());
        assertEquals(32000, info.vocabSize());
        assertEquals(2048, info.maxPositions());
        assertEquals(1, info.bosTokenId());
        assertEquals(Set.of(2), info.eosTokenIds());
        assertTrue(info.addBos());
        assertEquals(EngineOptions.DEFAULT_KV_SEQUENCES, model.kvSlots());
    }

    @Test
    void cachedGreedyDecodingEqualsFullRecomputation() {
        String[] prompts = {"Hello world", "The quick brown fox jumps over", "Once upon a time, in a land far away"};
        for (String prompt : prompts) {
            DecoderChecks.cachedDecodeEqualsRecompute(model, model.tokenizer().encode(prompt, true), 20,
                    SAME_NETWORK);
        }
    }

    @Test
    void chunkedPrefillEqualsOneShotPrefill() {
        int[] ids = model.tokenizer().encode("A prompt that is fed in three uneven chunks to the cache", true);
        float[] whole = recompute(ids);
        try (SequenceState seq = model.newSequence()) {
            run(seq, Arrays.copyOfRange(ids, 0, 3));
            run(seq, Arrays.copyOfRange(ids, 3, 4));
            float[] chunked = run(seq, Arrays.copyOfRange(ids, 4, ids.length));
            SAME_NETWORK.check(whole, chunked, "chunked vs one-shot prefill");
        }
    }

    @Test
    void batchedRowsStartedAtDifferentStepsEqualEachRowAlone() {
        DecoderChecks.batchedRowsEqualEachRowAlone(model, 32000, 11, SAME_NETWORK);
    }

    @Test
    void eachRowOfAMixedBatchGetsWhatItGetsAlone() {
        int[] a = model.tokenizer().encode("First sequence, started long ago", true);
        int[] b = model.tokenizer().encode("Second", true);
        int[] c = model.tokenizer().encode("A third one that joins the batch now", true);
        try (SequenceState sa = model.newSequence(); SequenceState sb = model.newSequence();
             SequenceState sc = model.newSequence()) {
            run(sa, a);
            run(sa, 500);
            run(sb, b);
            // one step: A decodes one token, B takes a 2-token chunk, C prefills its whole prompt
            float[][] batch = model.forward(List.of(sa, sb, sc), List.of(new int[] {600}, new int[] {700, 800}, c));
            assertEquals(a.length + 2, sa.length());
            assertEquals(b.length + 2, sb.length());
            assertEquals(c.length, sc.length());
            try (SequenceState ra = model.newSequence(); SequenceState rb = model.newSequence();
                 SequenceState rc = model.newSequence()) {
                run(ra, a);
                run(ra, 500);
                float[] alone = run(ra, 600);
                SAME_NETWORK.check(alone, batch[0], "row 0 batched vs alone");
                run(rb, b);
                alone = run(rb, 700, 800);
                SAME_NETWORK.check(alone, batch[1], "row 1 batched vs alone");
                alone = run(rc, c);
                SAME_NETWORK.check(alone, batch[2], "row 2 batched vs alone");
                assertEquals(argmax(alone), argmax(batch[2]));
            }
        }
    }

    @Test
    void outOfRangeTokenIsRejectedAndTheSequenceStaysUsable() {
        int[] ids = model.tokenizer().encode("Hello world", true);
        try (SequenceState seq = model.newSequence(); SequenceState other = model.newSequence()) {
            run(seq, ids);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(other, seq), List.of(new int[] {5}, new int[] {7, 32000})));
            assertTrue(e.getMessage().contains("32000"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> run(seq, -1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            assertEquals(ids.length, seq.length());
            assertEquals(0, other.length(), "a rejected batch must not touch any row");
            float[] after = run(seq, 7);
            try (SequenceState fresh = model.newSequence()) {
                run(fresh, ids);
                assertArrayEquals(run(fresh, 7), after, "the rejected calls left a trace in the cache");
            }
        }
    }

    @Test
    void capacityIsEnforcedWithAClearError() throws IOException {
        try (PtDecoderModel small = PtDecoderModel.load(TestModels.tinyLlama(), "cpu", new EngineOptions(8, 0));
             SequenceState seq = small.newSequence()) {
            assertEquals(8, small.info().maxPositions());
            small.forward(List.of(seq), List.of(new int[] {1, 2, 3, 4, 5, 6}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> small.forward(List.of(seq), List.of(new int[] {7, 8, 9})));
            assertTrue(e.getMessage().contains("capacity of 8"), e.getMessage());
            small.forward(List.of(seq), List.of(new int[] {7, 8}));
            assertEquals(8, seq.length());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PtDecoderModel.load(TestModels.tinyLlama(), "cpu", new EngineOptions(4096, 0)));
        assertTrue(e.getMessage().contains("max_position_embeddings 2048"), e.getMessage());
    }

    @Test
    void misuseOfSequencesIsReported() {
        SequenceState seq = model.newSequence();
        seq.close();
        seq.close(); // twice is harmless
        assertThrows(IllegalStateException.class, () -> run(seq, 1));
        assertThrows(IllegalStateException.class, seq::length);
        assertThrows(IllegalStateException.class, () -> model.fork(seq, 10));
        try (SequenceState s = model.newSequence()) {
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(s, s), List.of(new int[] {1}, new int[] {2})));
            assertThrows(IllegalArgumentException.class, () -> run(s));
            assertEquals(0, s.length());
        }
        assertEquals(0, model.forward(List.of(), List.of()).length);
    }

    @Test
    void closingTheModelFreesOpenSequences() throws IOException {
        PtDecoderModel other = PtDecoderModel.load(TestModels.tinyLlama(), "cpu", new EngineOptions(16, 0));
        SequenceState seq = other.newSequence();
        other.forward(List.of(seq), List.of(new int[] {1, 2}));
        other.close();
        seq.close();
        assertThrows(IllegalStateException.class, () -> other.forward(List.of(seq), List.of(new int[] {3})));
        assertThrows(IllegalStateException.class, other::newSequence);
        assertEquals(0, other.freeKvTokens());
    }

    @Test
    void stepsLeaveNoNativeTensorsBehind() {
        int before = model.liveTensorCount();
        try (SequenceState seq = model.newSequence(); SequenceState gap = model.newSequence();
             SequenceState other = model.newSequence()) {
            run(seq, model.tokenizer().encode("Warm up the cache", true));
            run(gap, 5, 6);
            for (int i = 0; i < 10; i++) {
                run(seq, 100 + i);
                // non-consecutive slots (gather), rows of different lengths (mask), mixed chunk sizes (padding)
                model.forward(List.of(other, seq), List.of(new int[] {200 + i, 300}, new int[] {400 + i}));
            }
            try (SequenceState fork = model.fork(seq, 64)) {
                run(fork, 9);
            }
            gap.close(); // repacks the pool: a copy through a temporary manager
            run(other, 11);
            assertEquals(before, model.liveTensorCount());
        }
        assertEquals(before, model.liveTensorCount());
    }
}
