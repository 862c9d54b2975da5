package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.StreamEncoder;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.StreamChunk;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Per streamed chunk, for every family that streams (Jurassic-2 does not): the family's encoder for one response
 * ({@code codec.openStream(request)}, opened once, as the runtime does per stream) turns a mid-stream chunk of a few
 * tokens' text into its chunk JSON and frames it with {@code EventStreamEncoder.chunkEvent}. This is the work an I/O
 * thread does per chunk; the budget is 20 µs per chunk. The request and chunk are those of
 * {@link FamilyWireBenchmark}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FamilyStreamBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FamilyStreamBenchmark {

    @Param({"meta-llama2", "amazon-titan-text", "anthropic-claude", "cohere-command"})
    public String family;

    private StreamEncoder encoder;
    private final StreamChunk chunk = FamilyWireBenchmark.TypicalBodies.midChunk();

    @Setup
    public void setUp() {
        TextFamilyCodec codec = TextFamilies.forName(family);
        encoder = codec.openStream(codec.decodeRequest(FamilyWireBenchmark.TypicalBodies.request(family)));
    }

    @Benchmark
    public void encodeAndFrameChunk(Blackhole frames) {
        encoder.encode(chunk, frames::consume);
    }
}
