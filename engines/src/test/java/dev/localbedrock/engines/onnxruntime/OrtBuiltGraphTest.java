package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import dev.localbedrock.engines.onnxbuild.OnnxGraphBuilder;
import dev.localbedrock.engines.onnxruntime.OrtTestSupport.Trace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.argmax;
import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX Runtime engine on graphs it builds from plain Hugging Face directories (tiny-random-llama and
 * tiny-random-gpt2 without their {@code onnx/}), driven over the shared KV arena: the same greedy tokens as the
 * shipped ONNX export on the same engine and as the PyTorch engine, logits within float32 rounding ({@link F32Bounds}), for each prompt alone
 * and for a scripted continuous-batching run (rows joining at different steps, chunked prefill, a one-token prompt, a
 * pause, rows leaving); the arena's call shapes and copies; reservations and forks; int8; the graph cache.
 */
class OrtBuiltGraphTest {
    private static final int CAPACITY = 64;
    private static final int STEPS = 12;

    @TempDir
    static Path tmp;
    private static Path cacheRoot;
    private static final Map<String, Models> MODELS = new HashMap<>();

    /** The models of one checkpoint: built f32 and int8, the shipped export, PyTorch. */
    record Models(Path hfOnly, OrtDecoderModel built, String buildLog, OrtDecoderModel int8, OrtDecoderModel exported,
                  DecoderModel pytorch, int bos) implements AutoCloseable {
        @Override
        public void close() {
            for (DecoderModel m : new DecoderModel[] {built, int8, exported, pytorch}) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    /** Two float32 programs of the same network (built graph, shipped export, PyTorch): order and blocking differ. */
    static F32Bounds.Bound crossEngine(Models m) {
        return F32Bounds.betweenF32("ort built graph vs other engine", F32Bounds.Shape.of(m.hfOnly(), CAPACITY));
    }

    /**
     * The built graph against itself on the shared KV arena: a row batched, chunked, moved in the arena or forked
     * against the row alone. Bit-exact, not merely close: every row attends over its own slot at its own length (no
     * padding), and MLAS partitions its GEMMs over rows and columns, never over the reduction, so each logit is the
     * same sequence of float operations whatever the batch. Measured 0 difference on every step (docs/numerics.md).
     */
    static void assertSameEngine(float[] alone, float[] batched, String what) {
        F32Bounds.assertBitExact("ort built graph batched vs alone", alone, batched, what);
    }

    static void assertSameEngine(Trace alone, Trace batched, String what) {
        assertArrayEquals(alone.tokens(), batched.tokens(), what + ": greedy tokens");
        assertEquals(alone.logits().size(), batched.logits().size(), what + ": steps");
        for (int s = 0; s < alone.logits().size(); s++) {
            assertSameEngine(alone.logits().get(s), batched.logits().get(s), what + " step " + s);
        }
    }

    static EngineOptions options() {
        return new EngineOptions(CAPACITY, 1, 8 * CAPACITY).withOnnxCacheDir(cacheRoot);
    }

    static Path shared(String name) {
        return name.equals("llama") ? TestModels.tinyLlama() : TestModels.tinyGpt2();
    }

    /** A directory with the checkpoint's files but not its {@code onnx/}: what a plain Hugging Face download holds. */
    static Path hfOnly(Path shared, Path into) throws IOException {
        Files.createDirectories(into);
        try (Stream<Path> files = Files.list(shared)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, into.resolve(f.getFileName()));
            }
        }
        return into;
    }

    /** Runs {@code load} with {@link System#err} captured; returns the model and what was printed. */
    static <T> Map.Entry<T, String> capturingErr(Supplier<T> load) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            T value = load.get();
            return Map.entry(value, bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
            saved.print(bytes.toString(StandardCharsets.UTF_8));
        }
    }

    @BeforeAll
    static void setUp() {
        cacheRoot = tmp.resolve("onnx-cache");
    }

    static synchronized Models models(String name) throws IOException {
        Models m = MODELS.get(name);
        if (m != null) {
            return m;
        }
        Path shared = shared(name);
        Path hf = hfOnly(shared, tmp.resolve("hf-" + name).resolve("tiny-random-" + name));
        assertFalse(OrtDecoderModel.hasGraph(hf));
        var built = capturingErr(() -> (OrtDecoderModel) DecoderModels.load(hf, EngineKind.ONNXRUNTIME, "cpu",
                options()));
        OrtDecoderModel int8 = (OrtDecoderModel) DecoderModels.load(hf, EngineKind.ONNXRUNTIME, "cpu",
                options().withQuantize("int8"));
        OrtDecoderModel exported = (OrtDecoderModel) DecoderModels.load(shared, EngineKind.ONNXRUNTIME, "cpu",
                options());
        DecoderModel pt = DecoderModels.load(shared, EngineKind.PYTORCH, "cpu", options());
        int bos = name.equals("llama") ? 1 : 98;
        m = new Models(hf, built.getKey(), built.getValue(), int8, exported, pt, bos);
        MODELS.put(name, m);
        return m;
    }

    @AfterAll
    static void closeAll() {
        MODELS.values().forEach(Models::close);
        MODELS.clear();
    }

    // ---- which graph runs, and how --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void aDirectoryWithoutAGraphGetsOneBuiltAndDrivenOverTheArena(String name) throws IOException {
        Models m = models(name);
        assertTrue(m.built().graphFile().startsWith(cacheRoot), m.built().graphFile().toString());
        assertTrue(m.built().usesSharedKvArena());
        assertEquals("gqa-shared-kv", m.built().builtVariant());
        assertEquals("none", m.built().builtQuantization());
        assertEquals(8, m.built().arenaSlots());
        assertTrue(m.buildLog().contains("cache miss") && m.buildLog().contains("building"), m.buildLog());
        // a directory with an exported graph keeps running it
        assertTrue(m.exported().graphFile().startsWith(shared(name)), m.exported().graphFile().toString());
        assertFalse(m.exported().usesSharedKvArena());
        assertNull(m.exported().builtVariant());
        assertEquals(m.exported().info(), m.built().info());
        assertEquals(m.pytorch().info().vocabSize(), m.built().info().vocabSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void theSecondLoadReusesTheCachedGraph(String name) throws IOException {
        Models m = models(name);
        Path model = m.built().graphFile();
        FileTime before = Files.getLastModifiedTime(model);
        var again = capturingErr(() -> DecoderModels.load(m.hfOnly(), EngineKind.ONNXRUNTIME, "cpu", options()));
        try (OrtDecoderModel second = (OrtDecoderModel) again.getKey()) {
            assertEquals(model, second.graphFile());
            assertTrue(again.getValue().contains("cache hit"), again.getValue());
            assertFalse(again.getValue().contains("building"), again.getValue());
            assertEquals(before, Files.getLastModifiedTime(model));
        }
    }

    // ---- numerics: built graph = shipped export = PyTorch ---------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void eachPromptAloneMatchesTheExportAndPyTorch(String name) throws IOException {
        Models m = models(name);
        for (Scenario.Row row : Scenario.standard(m.bos())) {
            Trace pt = OrtTestSupport.greedyAlone(m.pytorch(), row.prompt(), STEPS);
            Trace export = OrtTestSupport.greedyAlone(m.exported(), row.prompt(), STEPS);
            Trace built = OrtTestSupport.greedyAlone(m.built(), row.prompt(), STEPS);
            String what = name + " prompt " + java.util.Arrays.toString(row.prompt());
            assertTraces(pt, built, crossEngine(m), what + ": built vs pytorch");
            assertTraces(export, built, crossEngine(m), what + ": built vs shipped export");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void continuousBatchingMatchesTheExportAndPyTorch(String name) throws IOException {
        Models m = models(name);
        List<Scenario.Row> rows = Scenario.standard(m.bos());
        Scenario.Outcome pt = Scenario.run(m.pytorch(), rows);
        Scenario.Outcome export = Scenario.run(m.exported(), rows);
        long copied = m.built().kvBytesCopied();
        long runs = m.built().sessionRuns();
        Scenario.Outcome built = Scenario.run(m.built(), rows);
        System.err.println("[ort-built-test] " + name + " scenario: " + built.stepRows().size() + " steps, "
                + (m.built().sessionRuns() - runs) + " session runs, " + (m.built().kvBytesCopied() - copied)
                + " KV bytes moved; rows per step " + built.stepRows().stream().map(java.util.Arrays::toString)
                .toList());
        assertTrue(m.built().kvBytesCopied() > copied, "rows leaving and pausing made the arena move sequences");
        for (int r = 0; r < rows.size(); r++) {
            assertTraces(pt.traces().get(r), built.traces().get(r), crossEngine(m),
                    name + " row " + r + ": built vs pytorch");
            assertTraces(export.traces().get(r), built.traces().get(r), crossEngine(m),
                    name + " row " + r + ": built vs shipped export");
            // and each row batched equals itself alone on the built graph
            Scenario.Outcome alone = Scenario.run(m.built(), List.of(new Scenario.Row(rows.get(r).prompt(), 0,
                    rows.get(r).chunk(), rows.get(r).newTokens(), 0, 0)));
            assertSameEngine(alone.traces().get(0), built.traces().get(r),
                    name + " row " + r + ": built batched vs alone");
        }
        assertEquals(0, m.built().freeKvTokens() - m.built().poolTokens(), "every slot is free again");
    }

    // ---- the arena ------------------------------------------------------------------------------------------------

    @Test
    void decodeRowsAtDifferentPositionsShareOneRunAndCopyNoKv() throws IOException {
        OrtDecoderModel ort = models("llama").built();
        List<SequenceState> seqs = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                seqs.add(ort.newSequence(40));
            }
            long copied = ort.kvBytesCopied();
            long runs = ort.sessionRuns();
            // three first prompts of different lengths: one run
            float[][] l = ort.forward(seqs.subList(0, 3), List.of(new int[] {1, 2}, new int[] {1, 2, 3, 4, 5},
                    new int[] {1, 7, 8, 9, 10, 11, 12, 13, 14}));
            assertEquals(1, ort.sessionRuns() - runs);
            int[] next = {argmax(l[0]), argmax(l[1]), argmax(l[2])};
            // the fourth starts its prompt in chunks while the three decode at positions 2, 5, 9
            for (int step = 0; step < 4; step++) {
                runs = ort.sessionRuns();
                List<int[]> in = List.of(new int[] {next[0]}, new int[] {next[1]}, new int[] {next[2]},
                        new int[] {1 + step, 100 + step, 200 + step});
                l = ort.forward(seqs, in);
                // one decode run for the three rows + one run for the chunk (the first one is a first prompt)
                assertEquals(2, ort.sessionRuns() - runs, "step " + step);
                for (int r = 0; r < 3; r++) {
                    next[r] = argmax(l[r]);
                }
            }
            assertEquals(List.of(6, 9, 13, 12), seqs.stream().map(SequenceState::length).toList());
            assertEquals(copied, ort.kvBytesCopied(), "no KV copied");
        } finally {
            seqs.forEach(SequenceState::close);
        }
    }

    @Test
    void aRowLeavingFromTheMiddleMovesOneSequenceOnce() throws IOException {
        OrtDecoderModel ort = models("llama").built();
        List<SequenceState> seqs = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                seqs.add(ort.newSequence(40));
            }
            float[][] l = ort.forward(seqs, List.of(new int[] {1, 2}, new int[] {1, 2, 3}, new int[] {1, 2, 3, 4},
                    new int[] {1, 5}));
            seqs.remove(1).close();
            long copied = ort.kvBytesCopied();
            List<int[]> in = List.of(new int[] {argmax(l[0])}, new int[] {argmax(l[2])}, new int[] {argmax(l[3])});
            ort.forward(seqs, in);
            long moved = ort.kvBytesCopied() - copied;
            // the cheapest fix moves one of the edge rows (2 or 3 cached tokens) into the hole
            long perToken = 2L * 2 * 16 * Float.BYTES; // 2 layers × key and value × 1 kv head × head dim 16
            assertTrue(moved == 2 * perToken || moved == 3 * perToken, "moved " + moved + " bytes");
            ort.forward(seqs, in);
            ort.forward(seqs, in);
            assertEquals(copied + moved, ort.kvBytesCopied(), "later steps copy nothing");
        } finally {
            seqs.forEach(SequenceState::close);
        }
    }

    @Test
    void aForkCopiesTheSlotAndContinuesExactlyLikeTheOriginal() throws IOException {
        OrtDecoderModel ort = models("llama").built();
        try (SequenceState original = ort.newSequence(40)) {
            float[] l = ort.forward(List.of(original), List.of(new int[] {1, 450, 7483, 310}))[0];
            long free = ort.freeKvTokens();
            try (SequenceState fork = ort.fork(original, 30)) {
                assertEquals(free - CAPACITY, ort.freeKvTokens(), "a fork takes one slot");
                assertEquals(original.length(), fork.length());
                int a = argmax(l);
                int b = a;
                for (int s = 0; s < 8; s++) {
                    float[][] out = ort.forward(List.of(original, fork), List.of(new int[] {a}, new int[] {b}));
                    assertSameEngine(out[0], out[1], "fork vs original, step " + s);
                    a = argmax(out[0]);
                    b = argmax(out[1]);
                    assertEquals(a, b, "step " + s);
                }
            }
            assertEquals(free, ort.freeKvTokens());
            assertThrows(IllegalArgumentException.class, () -> ort.fork(original, 2));
        }
    }

    @Test
    void everySequenceTakesOneSlotOfThePool() throws IOException {
        Path hf = models("llama").hfOnly();
        try (OrtDecoderModel small = (OrtDecoderModel) DecoderModels.load(hf, EngineKind.ONNXRUNTIME, "cpu",
                options().withMaxSequenceTokens(16).withKvCacheTokens(40))) {
            assertTrue(small.usesSharedKvArena());
            assertEquals(2, small.arenaSlots(), "40 tokens hold two slots of 16");
            assertEquals(32, small.freeKvTokens());
            SequenceState a = small.newSequence(4);
            assertEquals(16, small.freeKvTokens());
            SequenceState b = small.newSequence(16);
            assertEquals(0, small.freeKvTokens());
            assertThrows(KvCacheFullException.class, () -> small.newSequence(1));
            assertThrows(IllegalArgumentException.class, () -> small.newSequence(17));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> small.forward(List.of(a), List.of(new int[] {1, 2, 3, 4, 5})));
            assertTrue(e.getMessage().contains("reservation"), e.getMessage());
            assertEquals(0, a.length());
            small.forward(List.of(a, b), List.of(new int[] {1, 2, 3, 4}, new int[] {1, 2}));
            assertEquals(4, a.length());
            a.close();
            assertEquals(16, small.freeKvTokens());
            try (SequenceState c = small.newSequence(16)) {
                // the 16-token sequence fills its slot to the end
                int[] prompt = new int[16];
                java.util.Arrays.fill(prompt, 5);
                assertEquals(32000, small.forward(List.of(c, b), List.of(prompt, new int[] {3}))[0].length);
                assertEquals(16, c.length());
            }
            b.close();
            assertEquals(32, small.freeKvTokens());
            assertThrows(IllegalArgumentException.class, () -> DecoderModels.load(hf, EngineKind.ONNXRUNTIME,
                    "cpu", options().withMaxSequenceTokens(4096)));
        }
    }

    @Test
    void badRowsAreRejectedBeforeAnythingRuns() throws IOException {
        OrtDecoderModel ort = models("gpt2").built();
        try (SequenceState a = ort.newSequence(16); SequenceState b = ort.newSequence(16)) {
            ort.forward(List.of(a), List.of(new int[] {98, 2}));
            long runs = ort.sessionRuns();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ort.forward(List.of(a, b), List.of(new int[] {3}, new int[] {1000})));
            assertTrue(e.getMessage().contains("1000"), e.getMessage());
            assertEquals(runs, ort.sessionRuns());
            assertEquals(2, a.length());
            assertEquals(0, b.length());
            assertThrows(IllegalArgumentException.class, () -> ort.forward(List.of(a, a),
                    List.of(new int[] {3}, new int[] {4})));
        }
    }

    // ---- int8 and the standard variant ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void int8RunsThroughTheSameSpi(String name) throws IOException {
        Models m = models(name);
        assertTrue(m.int8().usesSharedKvArena());
        assertEquals("int8", m.int8().builtQuantization());
        assertTrue(Files.size(m.int8().graphFile()) < Files.size(m.built().graphFile()), "int8 weights are smaller");
        List<Scenario.Row> rows = Scenario.standard(m.bos());
        Scenario.Outcome f32 = Scenario.run(m.built(), rows);
        Scenario.Outcome int8 = Scenario.run(m.int8(), rows);
        int same = 0;
        int total = 0;
        float worst = 0;
        for (int r = 0; r < rows.size(); r++) {
            Trace a = f32.traces().get(r);
            Trace b = int8.traces().get(r);
            assertEquals(a.tokens().length, b.tokens().length);
            for (int i = 0; i < a.tokens().length; i++) {
                assertTrue(b.tokens()[i] >= 0 && b.tokens()[i] < m.int8().info().vocabSize());
                for (float x : b.logits().get(i)) {
                    assertTrue(Float.isFinite(x), "int8 logits are finite");
                }
                same += a.tokens()[i] == b.tokens()[i] ? 1 : 0;
                total++;
            }
            worst = Math.max(worst, maxAbsDiff(a.logits().get(0), b.logits().get(0)));
        }
        System.err.printf(Locale.ROOT, "[ort-built-test] %s int8 vs f32: %d/%d greedy tokens agree (%.0f%%), "
                + "first-token logits max |diff| %.4f%n", name, same, total, 100.0 * same / total, worst);
        // block-wise int8 (MatMulNBits) quantizes each activation row on its own: a row run alone through the SPI
        // gives bit-identical logits to the same row in the continuous-batching script beside the others
        for (int r = 0; r < rows.size(); r++) {
            Scenario.Row row = rows.get(r);
            Scenario.Row alone = new Scenario.Row(row.prompt(), 0, row.chunk(), row.newTokens(), row.pauseAfter(),
                    row.pauseSteps());
            Trace single = Scenario.run(m.int8(), List.of(alone)).traces().get(0);
            Trace batched = int8.traces().get(r);
            assertArrayEquals(single.tokens(), batched.tokens(), name + " row " + r + ": tokens depend on the batch");
            for (int i = 0; i < single.tokens().length; i++) {
                assertArrayEquals(single.logits().get(i), batched.logits().get(i), 0f,
                        name + " row " + r + " step " + i + ": int8 logits depend on the batch");
            }
        }
    }

    @Test
    void theStandardVariantRunsOnPerSequenceBuffers() throws IOException {
        Models m = models("llama");
        try (OrtDecoderModel standard = (OrtDecoderModel) DecoderModels.load(m.hfOnly(), EngineKind.ONNXRUNTIME,
                "cpu", options().withOnnxVariant("standard"))) {
            assertFalse(standard.usesSharedKvArena());
            assertEquals("standard", standard.builtVariant());
            assertTrue(standard.batchesAcrossLengths(), "left padding works on the standard variant");
            assertTrue(standard.chunksOnPast());
            List<Scenario.Row> rows = Scenario.standard(m.bos());
            Scenario.Outcome pt = Scenario.run(m.pytorch(), rows);
            Scenario.Outcome out = Scenario.run(standard, rows);
            for (int r = 0; r < rows.size(); r++) {
                assertTraces(pt.traces().get(r), out.traces().get(r), crossEngine(m),
                        "standard variant row " + r);
            }
        }
    }

    @Test
    void quantizeOnADirectoryWithAnExportBuildsFromTheSafetensors() throws IOException {
        Path root = tmp.resolve("other-cache");
        try (OrtDecoderModel m = (OrtDecoderModel) DecoderModels.load(TestModels.tinyGpt2(), EngineKind.ONNXRUNTIME,
                "cpu", options().withOnnxCacheDir(root).withQuantize("none"))) {
            assertTrue(m.usesSharedKvArena());
            assertTrue(m.graphFile().startsWith(root), m.graphFile().toString());
            assertEquals(OnnxGraphBuilder.MODEL_FILE, m.graphFile().getFileName().toString());
            assertNotNull(m.builtQuantization());
        }
    }

    static void assertTraces(Trace expected, Trace actual, F32Bounds.Bound bound, String what) {
        assertArrayEquals(expected.tokens(), actual.tokens(), what + ": greedy tokens");
        assertEquals(expected.logits().size(), actual.logits().size(), what + ": steps");
        for (int s = 0; s < expected.logits().size(); s++) {
            bound.check(expected.logits().get(s), actual.logits().get(s), what + " step " + s);
        }
    }
}
