package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import dev.localbedrock.codecs.llama.Llama2Codec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The per-token wire cost of a streamed Llama 2 response (chunk JSON, then its event-stream frame) and the
 * per-request cost of validating a body. These run on Netty I/O threads, so they bound how many tokens per second
 * one I/O thread can push regardless of the model.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar WireBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WireBenchmark {

    private final Llama2Codec codec = new Llama2Codec();

    /** A typical mid-stream chunk: one short word piece, about 100 bytes of JSON. */
    private final StreamChunk midChunk = new StreamChunk(" models", 42, 17, false, null, null);
    private final StreamChunk lastChunk = new StreamChunk(".", 42, 128, false, StopReason.MAX_TOKENS,
            new InvocationMetrics(42, 128, 1532, 87));
    private final byte[] chunkJson = codec.encodeChunk(midChunk);

    private final byte[] requestBody = ("{\"prompt\":\"<s>[INST] <<SYS>>\\nYou are a helpful assistant.\\n<</SYS>>\\n\\n"
            + "Explain what a large language model is in two sentences. [/INST]\","
            + "\"temperature\":0.1,\"top_p\":0.9,\"max_gen_len\":128}").getBytes(StandardCharsets.UTF_8);

    @Benchmark
    public byte[] frameChunk() {
        return EventStreamEncoder.chunkEvent(chunkJson);
    }

    @Benchmark
    public byte[] encodeChunk() {
        return codec.encodeChunk(midChunk);
    }

    @Benchmark
    public byte[] encodeLastChunk() {
        return codec.encodeChunk(lastChunk);
    }

    /** What the runtime pays per generated token: chunk JSON plus its frame. */
    @Benchmark
    public byte[] encodeAndFrameChunk() {
        return EventStreamEncoder.chunkEvent(codec.encodeChunk(midChunk));
    }

    @Benchmark
    public TextGenerationRequest decodeRequest() {
        return codec.decodeRequest(requestBody);
    }
}
