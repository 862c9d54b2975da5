package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
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

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The wire cost of every embedding family (neither streams): decoding a typical request and encoding its response,
 * one text of a short paragraph in each, embedded at the 384 dimensions of the built-in all-MiniLM-L6-v2 (the
 * vector is unit-length Gaussian with a fixed seed, so its numbers print with as many digits as real ones). Cohere
 * Embed asks for the default float embeddings, the {@code embeddings_floats} response.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FamilyEmbeddingWireBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FamilyEmbeddingWireBenchmark {
    static final String TEXT = "Local Bedrock serves the bedrock-runtime API on your own hardware. Point the AWS"
            + " SDK's endpoint at it and \\\"InvokeModel\\\" works unchanged: text generation with continuous"
            + " batching, and sentence embeddings for retrieval-augmented generation.";
    static final int DIMENSIONS = 384;

    @Param({"amazon-titan-embed", "cohere-embed"})
    public String family;

    private EmbeddingFamilyCodec codec;
    private byte[] requestBody;
    private EmbeddingOutcome outcome;

    @Setup
    public void setUp() {
        codec = EmbeddingFamilies.forName(family);
        String body = switch (family) {
            case "amazon-titan-embed" -> "{\"inputText\":\"" + TEXT + "\"}";
            case "cohere-embed" -> "{\"texts\":[\"" + TEXT + "\"],\"input_type\":\"search_document\","
                    + "\"truncate\":\"END\"}";
            default -> throw new IllegalArgumentException("no typical request for family " + family);
        };
        requestBody = body.getBytes(StandardCharsets.UTF_8);
        EmbeddingRequest request = codec.decodeRequest(requestBody);
        outcome = new EmbeddingOutcome(List.of(unitVector(DIMENSIONS, 1)), 38, request);
    }

    private static float[] unitVector(int dimensions, long seed) {
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
        return v;
    }

    @Benchmark
    public EmbeddingRequest decodeRequest() {
        return codec.decodeRequest(requestBody);
    }

    @Benchmark
    public byte[] encodeResponse() {
        return codec.encodeResponse(outcome);
    }
}
