package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.titan.TitanEmbeddingsCodec;
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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The wire cost of one Titan Embeddings request ({@code amazon.titan-embed-text-v1}): decoding and validating the
 * {@code {"inputText": ...}} body, and encoding the {@code {"embedding": [...], "inputTextTokenCount": n}} response.
 * Both run on Netty I/O threads once per request. The response is dominated by writing the floats as JSON numbers,
 * so it is measured at the 384 dimensions the built-in all-MiniLM-L6-v2 returns and at Titan's own 1536.
 * The vectors are unit-length Gaussian (fixed seed), so their numbers print with as many digits as real ones.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar EmbeddingWireBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EmbeddingWireBenchmark {

    private final TitanEmbeddingsCodec codec = new TitanEmbeddingsCodec();

    /** A typical retrieval chunk: a short paragraph with quotes, a newline and a non-ASCII character (≈ 400 bytes). */
    private final byte[] requestBody = ("{\"inputText\":\"Local Bedrock serves the bedrock-runtime API on your own "
            + "hardware. Point the AWS SDK's endpoint at it and \\\"InvokeModel\\\" works unchanged: text generation "
            + "with continuous batching, and sentence embeddings for retrieval-augmented generation.\\nIt runs on "
            + "PyTorch or ONNX Runtime, on CPUs or GPUs — no Python, no downloads at run time.\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final EmbeddingOutcome miniLm = outcome(384, 1);
    private final EmbeddingOutcome titan = outcome(1536, 2);

    private static EmbeddingOutcome outcome(int dimensions, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimensions; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return new EmbeddingOutcome(List.of(v), 83);
    }

    @Benchmark
    public EmbeddingRequest decodeRequest() {
        return codec.decodeRequest(requestBody);
    }

    @Benchmark
    public byte[] encodeResponse384() {
        return codec.encodeResponse(miniLm);
    }

    @Benchmark
    public byte[] encodeResponse1536() {
        return codec.encodeResponse(titan);
    }
}
