package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static dev.localbedrock.engines.pytorch.Greedy.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPT-2 on the PyTorch engine (tiny-random-gpt2, vocab 1000): cache, batching, validation. */
class PtGpt2ModelTest {
    private static final int VOCAB = 1000;
    private static PtDecoderModel model;

    @BeforeAll
    static void load() throws IOException {
        model = PtDecoderModel.load(TestModels.tinyGpt2(), TestModels.device(), new EngineOptions(0, 1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void infoComesFromTheCheckpoint() {
        ModelInfo info = model.info();
        assertEquals("gpt2", info.architecture());
        assertEquals(VOCAB, info.vocabSize());
        assertEquals(512, info.maxPositions());
        assertEquals(98, info.bosTokenId());
        assertEquals(Set.of(98), info.eosTokenIds());
        assertFalse(info.addBos());
    }

    @Test
    void loadsThroughTheFactory() {
        try (DecoderModel m = DecoderModels.load(TestModels.tinyGpt2(), EngineKind.PYTORCH, TestModels.device(),
                new EngineOptions(32, 1)); SequenceState seq = m.newSequence()) {
            assertEquals(32, m.info().maxPositions());
            assertEquals(VOCAB, m.forward(List.of(seq), List.of(new int[] {98, 5, 6}))[0].length);
        }
    }

    @Test
    void cachedGreedyDecodingEqualsFullRecomputation() {
        Random rng = new Random(3);
        for (int length : new int[] {1, 6, 30}) {
            DecoderChecks.cachedDecodeEqualsRecompute(model, DecoderChecks.randomIds(rng, length, VOCAB), 20,
                    F32Bounds.betweenF32("pytorch cached decode vs recompute",
                            F32Bounds.Shape.of(TestModels.tinyGpt2(), length + 20)));
        }
    }

    @Test
    void batchedRowsStartedAtDifferentStepsEqualEachRowAlone() {
        DecoderChecks.batchedRowsEqualEachRowAlone(model, VOCAB, 17, F32Bounds.betweenF32("pytorch batched vs alone",
                F32Bounds.Shape.of(TestModels.tinyGpt2(), DecoderChecks.BATCH_SCRIPT_CONTEXT)));
    }

    @Test
    void idsOutsideTheVocabularyAreRejectedAndTheSequenceStaysUsable() {
        int[] ids = {98, 10, 20, 30};
        try (SequenceState seq = model.newSequence()) {
            DecoderChecks.run(model, seq, ids);
            for (int bad : new int[] {1000, 50256, -3}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> DecoderChecks.run(model, seq, 5, bad));
                assertTrue(e.getMessage().contains(Integer.toString(bad)), e.getMessage());
            }
            assertEquals(ids.length, seq.length());
            float[] after = DecoderChecks.run(model, seq, 999);
            try (SequenceState fresh = model.newSequence()) {
                DecoderChecks.run(model, fresh, ids);
                assertArrayEquals(DecoderChecks.run(model, fresh, 999), after);
            }
        }
    }

    @Test
    void learnedPositionsBoundTheCapacity() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PtDecoderModel.load(TestModels.tinyGpt2(), "cpu", new EngineOptions(513, 1)));
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void forkedSequencesContinueLikeTheirSource() {
        int[] prompt = DecoderChecks.randomIds(new Random(9), 12, VOCAB);
        try (SequenceState source = model.newSequence()) {
            DecoderChecks.run(model, source, prompt);
            try (SequenceState a = model.fork(source, 40); SequenceState b = model.fork(source, 40)) {
                assertEquals(prompt.length, a.length());
                float[][] out = model.forward(List.of(source, a, b), List.of(new int[] {7}, new int[] {7},
                        new int[] {8}));
                // rows of one batch with equal inputs: equal up to the kernel's row blocking, not promised bit-exact
                F32Bounds.Bound bound = F32Bounds.betweenF32("pytorch fork vs source",
                        F32Bounds.Shape.of(TestModels.tinyGpt2(), prompt.length + 1));
                bound.check(out[0], out[1], "fork vs source");
                float[] expectedB = DecoderChecks.recompute(model, Greedy.append(prompt, 8));
                bound.check(expectedB, out[2], "fork vs recompute");
            }
        }
    }
}
