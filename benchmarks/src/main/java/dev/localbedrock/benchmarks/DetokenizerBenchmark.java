package dev.localbedrock.benchmarks;

import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import dev.localbedrock.engines.tokenizer.IncrementalDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Incremental detokenisation, per generated token: what the step loop pays for every token of every running sequence
 * to turn it into streamable text ({@link IncrementalDecoder#push}: two {@code tokenizer.decode} calls over a short
 * window through the Hugging Face {@code tokenizers} library, then the delta).
 *
 * <p>The tokenizer is the real Llama 2 SentencePiece-BPE one (byte fallback) of {@code tiny-random-llama} in the shared
 * test models: {@code <shared.models.dir>/tiny-random-llama}, where the system property {@code shared.models.dir}
 * defaults to {@code ../shared/models} <b>relative to the working directory</b>, so run JMH from the repository root
 * (or pass {@code -jvmArgsAppend -Dshared.models.dir=/abs/path}). The stream is {@value #TOKENS} ids of an English
 * text with accented Latin, Greek, CJK and emoji, encoded by that tokenizer: the characters outside the vocabulary
 * come out as byte-fallback tokens ({@code <0xE2>} …), 2 to 4 per character, for which {@code push} returns nothing
 * until the character's last byte arrives.
 *
 * <ul>
 *   <li>{@code push}: every id of the stream through a fresh decoder (with a 5-token prompt context, as the
 *       scheduler makes it), then {@code flush}; the score is per token;</li>
 *   <li>{@code decodeWhole}: one {@code tokenizer.decode} of the whole stream, per token: the bulk cost the
 *       incremental window is compared with.</li>
 * </ul>
 *
 * <p>Run (from the repository root): {@code java -jar benchmarks/target/benchmarks.jar DetokenizerBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DetokenizerBenchmark {
    /** Ids per invocation; scores are divided by it. */
    static final int TOKENS = 256;
    static final String MODEL = "tiny-random-llama";

    /** A chat-style answer mixing plain English with characters the Llama vocabulary lacks (byte fallback). */
    static final String TEXT = "Sure! Here is a short itinerary for three days in Kyoto (京都), with a few notes on "
            + "etiquette.\n\n1. Day one: visit Fushimi Inari-taisha (伏見稲荷大社) early, before the crowds 🚶‍♀️. "
            + "The café near the station serves a great crème brûlée and matcha — try it ☕.\n"
            + "2. Day two: Arashiyama's bamboo grove 🎋, then the Tenryū-ji garden; the entry fee is ¥500.\n"
            + "3. Day three: Kinkaku-ji (金閣寺) and a kaiseki dinner. Say \"arigatō gozaimasu\" (ありがとうございます) "
            + "to your hosts 🙏. Temperatures in April average 15–20 °C; pack layers. Ελπίζω να σας αρέσει! 😊\n";

    private HfTextTokenizer tokenizer;
    private int[] promptContext;
    private int[] stream;

    /** The shared models directory: system property {@code shared.models.dir}, else {@code ../shared/models}. */
    static Path sharedModels() {
        return Path.of(System.getProperty("shared.models.dir", "../shared/models")).toAbsolutePath().normalize();
    }

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path dir = sharedModels().resolve(MODEL);
        if (!Files.isRegularFile(dir.resolve(HfTextTokenizer.TOKENIZER_JSON))) {
            throw new NoSuchFileException(dir.toString(), null, "no " + MODEL + " tokenizer: run JMH from the "
                    + "repository root or set -Dshared.models.dir (through -jvmArgsAppend)");
        }
        tokenizer = HfTextTokenizer.load(dir);
        promptContext = tokenizer.encode("[INST] Plan three days in Kyoto for me. [/INST]", true);
        int[] ids = tokenizer.encode(TEXT, false);
        stream = new int[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            stream[i] = ids[i % ids.length];
        }
        long byteFallback = Arrays.stream(stream).filter(id -> id >= 3 && id < 3 + 256).count();
        String roundTrip = tokenizer.decode(Arrays.copyOf(ids, ids.length));
        if (!roundTrip.equals(TEXT)) {
            throw new IllegalStateException("the tokenizer does not round-trip the benchmark text: " + roundTrip);
        }
        System.out.printf("%n%d ids in the stream (text: %d ids), %d of them byte-fallback tokens%n", TOKENS,
                ids.length, byteFallback);
    }

    @TearDown(Level.Trial)
    public void close() {
        tokenizer.close();
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public void push(Blackhole bh) {
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, promptContext);
        for (int id : stream) {
            bh.consume(decoder.push(id));
        }
        bh.consume(decoder.flush());
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public String decodeWhole() {
        return tokenizer.decode(stream);
    }
}
