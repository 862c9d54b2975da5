package dev.localbedrock.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import dev.localbedrock.runtime.grammar.JsonConstraint;
import dev.localbedrock.runtime.grammar.JsonConstraintState;
import dev.localbedrock.runtime.grammar.JsonConstraints;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Constrained decoding's per-token cost over a real 32 000-token vocabulary (the Llama tokenizer of
 * {@code ../shared/models/tiny-random-llama}): one recorded {@link #TOKENS}-token generation of a tool-call schema
 * (two tools, nested arguments, an enum, a free string, a number) is replayed, each token being one row restore,
 * one {@code mask} and one {@code accept}, as the sampler does it. Modes: {@code copy} is the row restore alone (the
 * baseline); {@code warm} reuses one compiled schema, so its masks come from the per-state cache (the steady state of
 * a server whose tool schemas repeat); {@code cold} compiles the schema afresh every replay, so every state's mask is
 * computed by walking the vocabulary trie (the first request with a new schema).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ConstraintMaskBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ConstraintMaskBenchmark {
    static final int TOKENS = 64;
    static final String SCHEMA = """
            {"anyOf":[
              {"type":"object","properties":{"name":{"const":"get_weather"},
               "arguments":{"type":"object","properties":{"location":{"type":"string"},
                "unit":{"enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},
                "required":["location","unit"]}},"required":["name","arguments"]},
              {"type":"object","properties":{"name":{"const":"search"},
               "arguments":{"type":"object","properties":{"query":{"type":"string"},
                "limit":{"type":"integer"}},"required":["query"]}},"required":["name","arguments"]}]}""";

    @Param({"copy", "warm", "cold"})
    public String mode;

    private HfTextTokenizer tokenizer;
    private JsonConstraint compiled;
    private float[] pristine;
    private float[] row;
    private int[] trajectory;

    @Setup
    public void setUp() throws Exception {
        tokenizer = HfTextTokenizer.load(Path.of(System.getProperty("models.dir", "../shared/models"),
                "tiny-random-llama"));
        JsonNode schema = new ObjectMapper().readTree(SCHEMA);
        compiled = JsonConstraints.forSchema(tokenizer, 32_000, Set.of(2), schema);
        SplittableRandom random = new SplittableRandom(42);
        pristine = new float[32_000];
        for (int i = 0; i < pristine.length; i++) {
            pristine[i] = (float) (random.nextGaussian() * 3);
        }
        row = new float[pristine.length];
        // Record a generation: greedy over fresh random logits each step, through the constraint.
        JsonConstraintState state = compiled.newState(TOKENS);
        trajectory = new int[TOKENS];
        int n = 0;
        while (n < TOKENS && !state.isComplete()) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (random.nextGaussian() * 3);
            }
            state.mask(row);
            int pick = 0;
            for (int i = 1; i < row.length; i++) {
                if (row[i] > row[pick]) {
                    pick = i;
                }
            }
            if (pick == 2) {
                break;
            }
            trajectory[n++] = state.accept(pick, row);
        }
        for (int i = n; i < TOKENS; i++) { // a shorter value: start it again (from a fresh state) to fill the count
            trajectory[i] = trajectory[i % n];
        }
    }

    @TearDown
    public void tearDown() {
        tokenizer.close();
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public float replay() {
        JsonConstraint c = mode.equals("cold") ? compiled.recompiled() : compiled;
        JsonConstraintState state = c.newState(TOKENS);
        float sink = 0;
        for (int t : trajectory) {
            System.arraycopy(pristine, 0, row, 0, row.length);
            if (mode.equals("copy")) {
                sink += row[t & 1023];
                continue;
            }
            if (state.isComplete()) {
                state = c.newState(TOKENS);
            }
            state.mask(row);
            sink += row[t];
            state.accept(t, row);
        }
        return sink;
    }
}
