package dev.localbedrock.benchmarks;

import dev.localbedrock.benchmarks.checkpoint.BenchCheckpointWriter;
import dev.localbedrock.benchmarks.checkpoint.CheckpointPreset;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode step of an engine through the {@link DecoderModel} SPI the scheduler drives: a batch of {@code batch}
 * rows, each appending one token to its own sequence at a context of {@value #CONTEXT} tokens, and the f32 logits of
 * every row coming back (the whole 32 000-token vocabulary). No scheduler, no sampling.
 *
 * <ul>
 *   <li>{@code engine}: {@code pytorch} (DJL on libtorch) or {@code onnxruntime} on the graph the engine
 *       <b>builds</b> from the Hugging Face directory ({@code quantize: none}, f32, the default
 *       {@code gqa-shared-kv} variant over the shared KV arena; for {@code tiny-random-llama} this selects the built
 *       graph over the exported one in its {@code onnx/});</li>
 *   <li>{@code model}: {@code tiny-random-llama} from the shared test models (2 layers, hidden 16, vocab 32 000:
 *       almost all of its cost is per-call overhead and the output head) and the benchmark-sized
 *       {@code tinystories-15m} (6 layers, dim 288, 15.2 M parameters, tied head), written once by
 *       {@link BenchCheckpointWriter} (seed 0) under {@code <bench.dir>/tinystories-15m} and reused afterwards;</li>
 *   <li>{@code batch}: 1 or 16 rows.</li>
 * </ul>
 *
 * <p>Every row is at the same, constant context: at setup one sequence is prefilled with {@value #CONTEXT} fixed
 * pseudo-random ids; before each invocation ({@code Level.Invocation}, outside the measured time) {@code batch}
 * sequences are forked from it, and after it they are closed. So every measured step is "B rows at context 128, one
 * new token each", whatever the iteration. A fork is a KV-prefix copy (well under a millisecond for these models) and
 * is not measured; each measured step takes 70 µs or more, so the two timestamps JMH takes per invocation (tens of
 * nanoseconds) do not matter. Engines run with
 * {@value #THREADS} intra-op threads, a sequence capacity of {@value #CAPACITY} tokens and a KV pool of
 * {@code batch + 1} sequences, on the CPU.
 *
 * <p>Paths: system property {@code shared.models.dir} (default {@code ../shared/models}, relative to the working
 * directory: run JMH from the repository root) and {@code bench.dir} (default {@code ${java.io.tmpdir}/local-bedrock-jmh};
 * holds the written checkpoint and the ONNX graph cache, {@code onnx-cache/}). The first fork that needs a checkpoint
 * or a graph writes or builds it in its setup (seconds), later forks and runs reuse it.
 *
 * <p>Run (from the repository root): {@code java -jar benchmarks/target/benchmarks.jar EngineStepBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineStepBenchmark {
    static final int CONTEXT = 128;
    static final int CAPACITY = 256;
    static final int THREADS = 2;

    @Param({"pytorch", "onnxruntime"})
    public String engine;

    @Param({"tiny-random-llama", "tinystories-15m"})
    public String model;

    @Param({"1", "16"})
    public int batch;

    private DecoderModel decoder;
    private SequenceState base;
    private final List<SequenceState> rows = new ArrayList<>();
    private List<int[]> tokens;

    /** Where checkpoints and built graphs go: system property {@code bench.dir}, else a temp-directory folder. */
    static Path benchDir() {
        String dir = System.getProperty("bench.dir");
        return (dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "local-bedrock-jmh"))
                .toAbsolutePath().normalize();
    }

    /** The model directory of {@code name}, writing the benchmark checkpoint if it is not there yet. */
    static Path modelDir(String name) throws IOException {
        if (name.equals("tiny-random-llama")) {
            Path dir = DetokenizerBenchmark.sharedModels().resolve(name);
            if (!Files.isRegularFile(dir.resolve("config.json"))) {
                throw new NoSuchFileException(dir.toString(), null, "no shared test model: run JMH from the "
                        + "repository root or set -Dshared.models.dir (through -jvmArgsAppend)");
            }
            return dir;
        }
        CheckpointPreset preset = CheckpointPreset.parse(name);
        Path dir = benchDir().resolve(preset.id());
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            long start = System.nanoTime();
            BenchCheckpointWriter.write(dir, preset.shape(), preset.tiedEmbeddings(), 0);
            System.out.printf("%nwrote %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
        }
        return dir;
    }

    @Setup(Level.Trial)
    public void load() throws IOException {
        EngineKind kind = EngineKind.parse(engine);
        EngineOptions options = new EngineOptions(CAPACITY, THREADS, (batch + 1) * CAPACITY,
                kind == EngineKind.ONNXRUNTIME ? "none" : null, null, benchDir().resolve("onnx-cache"));
        long start = System.nanoTime();
        decoder = DecoderModels.load(modelDir(model), kind, "cpu", options);
        System.out.printf("%nloaded %s in %.1f s%n", decoder, (System.nanoTime() - start) / 1e9);
        int vocab = decoder.info().vocabSize();
        SplittableRandom random = new SplittableRandom(42);
        int[] prompt = new int[CONTEXT];
        prompt[0] = decoder.info().bosTokenId();
        for (int i = 1; i < CONTEXT; i++) {
            prompt[i] = 3 + random.nextInt(vocab - 3);
        }
        base = decoder.newSequence(CAPACITY);
        decoder.forward(List.of(base), List.<int[]>of(prompt));
        tokens = new ArrayList<>(batch);
        for (int r = 0; r < batch; r++) {
            tokens.add(new int[] {3 + (r * 997 + 13) % (vocab - 3)});
        }
    }

    @Setup(Level.Invocation)
    public void forkRows() {
        for (int r = 0; r < batch; r++) {
            rows.add(decoder.fork(base, CAPACITY));
        }
    }

    @TearDown(Level.Invocation)
    public void closeRows() {
        for (SequenceState s : rows) {
            if (s.length() != CONTEXT + 1) {
                throw new IllegalStateException("a row holds " + s.length() + " tokens, not " + (CONTEXT + 1));
            }
            s.close();
        }
        rows.clear();
    }

    @TearDown(Level.Trial)
    public void close() {
        base.close();
        decoder.close();
    }

    @Benchmark
    public float[][] decodeStep() {
        return decoder.forward(rows, tokens);
    }
}
