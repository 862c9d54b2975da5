package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.runtime.generation.AdmissionPolicy;
import dev.localbedrock.runtime.generation.GenerationListener;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.generation.WorkerSettings;
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

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The continuous-batching scheduler's own cost per step, with a fake engine that does no tensor work: one
 * {@code ModelScheduler.step()} with 32 sequences decoding — retire checks, KV bookkeeping, batch planning
 * ({@code BatchPlanner}, {@code KvLedger}, {@code WaitingQueue} snapshot), building the forward call's rows,
 * sampling, incremental detokenising, emitting to listeners and the step's metrics.
 *
 * <ul>
 *   <li>{@code decode}: 32 long-running requests, all decoding; nothing arrives, nothing finishes.</li>
 *   <li>{@code decodeAndAdmit}: the steady state of a busy server. Requests of a 16-token prompt and 33 generated
 *       tokens arrive one per step ({@code submitTokens}, what the intake does on the caller's thread, is inside
 *       the measured call), 4 more wait in the queue, and {@code maxRunningSequences} is 33: every step runs 32
 *       decode rows plus the 16-token prefill of the request admitted in it, and retires one finished request
 *       (its final text, outcome and {@code onComplete}).</li>
 * </ul>
 *
 * <p>The fake engine returns preallocated logits (its vocabulary is {@value #VOCAB} ids, so greedy sampling is a few
 * dozen compares per row) and its tokenizer maps an id to one letter, so what remains is the scheduler's bookkeeping;
 * with a real model add, per row, {@link DetokenizerBenchmark}'s {@code push} (the HF tokenizer) and
 * {@link SamplerBenchmark}'s per-row figure (a 32 000-token vocabulary). The scheduler is driven by hand as its own
 * tests do, on a manual clock advanced 20 ms per step, with the runtime's default {@link InMemorySchedulerMetrics}.
 * {@code ModelScheduler} is package-private in the runtime, so it is reached through method handles (resolved once;
 * the call costs what a direct call does once inlined). A fresh scheduler is brought to its steady state before each
 * iteration, and the iteration is checked to have stayed in it.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SchedulerStepBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerStepBenchmark {
    static final int DECODING = 32;
    static final int VOCAB = 64;
    static final int PROMPT_TOKENS = 16;
    /** Tokens each request of {@code decodeAndAdmit} generates: it is admitted, then decodes in 32 steps. */
    static final int GENERATED = DECODING + 1;
    static final int BACKLOG = 4;
    static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final String SCHEDULER = "dev.localbedrock.runtime.generation.ModelScheduler";
    private static final MethodHandle NEW_SCHEDULER;
    private static final MethodHandle SUBMIT_TOKENS;
    private static final MethodHandle STEP;

    static {
        try {
            Class<?> type = Class.forName(SCHEDULER);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            NEW_SCHEDULER = lookup.findConstructor(type, MethodType.methodType(void.class, String.class,
                    DecoderModel.class, WorkerSettings.class, WorkerHooks.class, LongSupplier.class));
            SUBMIT_TOKENS = lookup.findVirtual(type, "submitTokens", MethodType.methodType(
                    Class.forName("dev.localbedrock.runtime.generation.GenerationJob"), int[].class,
                    TextGenerationRequest.class, GenerationListener.class, String.class));
            STEP = lookup.findVirtual(type, "step", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param({"decode", "decodeAndAdmit"})
    public String mode;

    private final ManualClock clock = new ManualClock();
    private final CountingListener listener = new CountingListener();
    private final int[][] prompts = new int[64][];
    private FakeEngine engine;
    private Object scheduler;
    private TextGenerationRequest request;
    private int nextPrompt;
    private long completedBefore;
    private long stepsBefore;

    @Setup(Level.Trial)
    public void prompts() {
        for (int p = 0; p < prompts.length; p++) {
            prompts[p] = new int[PROMPT_TOKENS];
            prompts[p][0] = FakeEngine.BOS;
            for (int i = 1; i < PROMPT_TOKENS; i++) {
                prompts[p][i] = 3 + Math.floorMod(p * 7 + i * 13, VOCAB - 3);
            }
        }
    }

    /** A fresh scheduler brought to the mode's steady state. */
    @Setup(Level.Iteration)
    public void steadyState() throws Throwable {
        boolean admit = mode.equals("decodeAndAdmit");
        engine = new FakeEngine();
        int maxRunning = admit ? DECODING + 1 : DECODING;
        int context = admit ? PROMPT_TOKENS + GENERATED + 1 : 1 << 24;
        WorkerSettings settings = new WorkerSettings(context, 64, Duration.ofDays(3650), 7L, maxRunning,
                WorkerSettings.DEFAULT_MAX_TOKENS_PER_STEP, (long) maxRunning * context, Duration.ofDays(3650));
        scheduler = NEW_SCHEDULER.invoke("bench", (DecoderModel) engine, settings,
                new WorkerHooks(AdmissionPolicy.FIFO, new InMemorySchedulerMetrics()), (LongSupplier) clock);
        request = new TextGenerationRequest("", admit ? GENERATED : Integer.MAX_VALUE, SamplingParameters.greedy(),
                List.of());
        if (admit) {
            // One arrival per step staggers the requests: from step 33 on, one finishes and one starts every step.
            for (int i = 0; i < GENERATED; i++) {
                submit();
                stepOnce();
            }
            for (int i = 0; i < BACKLOG; i++) {
                submit();
            }
            for (int i = 0; i < GENERATED; i++) {
                submit();
                stepOnce();
            }
            check(DECODING, PROMPT_TOKENS);
        } else {
            for (int i = 0; i < DECODING; i++) {
                submit();
            }
            stepOnce(); // all 32 prompts prefill in one step and sample their first token
            stepOnce();
            check(DECODING, 0);
        }
        completedBefore = listener.completed;
        stepsBefore = engine.forwardCalls;
    }

    /** The iteration stayed in its steady state: the last step had the expected rows, one request left per step. */
    @TearDown(Level.Iteration)
    public void checkSteadyState() {
        check(DECODING, mode.equals("decodeAndAdmit") ? PROMPT_TOKENS : 0);
        long steps = engine.forwardCalls - stepsBefore;
        long completed = listener.completed - completedBefore;
        long expected = mode.equals("decodeAndAdmit") ? steps : 0;
        if (completed != expected || listener.errors != 0) {
            throw new IllegalStateException(completed + " requests completed in " + steps + " steps (expected "
                    + expected + "), " + listener.errors + " errors");
        }
    }

    private void check(int decodeRows, int prefillTokens) {
        int expectedRows = decodeRows + (prefillTokens > 0 ? 1 : 0);
        if (engine.lastRows != expectedRows || engine.lastTokens != decodeRows + prefillTokens) {
            throw new IllegalStateException("not in the steady state: last step ran " + engine.lastRows + " rows, "
                    + engine.lastTokens + " tokens; expected " + expectedRows + " rows, "
                    + (decodeRows + prefillTokens) + " tokens");
        }
    }

    private void submit() throws Throwable {
        int[] prompt = prompts[nextPrompt++ & (prompts.length - 1)];
        Object job = SUBMIT_TOKENS.invoke(scheduler, prompt, request, (GenerationListener) listener, (String) null);
        if (job == null) {
            throw new IllegalStateException("no job");
        }
    }

    private boolean stepOnce() throws Throwable {
        clock.now += STEP_NANOS;
        return (boolean) STEP.invoke(scheduler);
    }

    @Benchmark
    public boolean step() throws Throwable {
        if (mode.equals("decodeAndAdmit")) {
            submit();
        }
        return stepOnce();
    }

    static final class ManualClock implements LongSupplier {
        long now = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return now;
        }
    }

    /** Counts outcomes; streamed text is dropped, as a listener hands it to an I/O thread and returns. */
    static final class CountingListener implements GenerationListener {
        long completed;
        long errors;

        @Override
        public void onComplete(GenerationOutcome outcome) {
            completed++;
        }

        @Override
        public void onError(InferenceFailure error) {
            errors++;
        }
    }

    /**
     * A decoder without tensors: a sequence is a length counter, the KV pool is unlimited, and every forward call
     * returns preallocated logits whose argmax is an ordinary token (never EOS), so no sequence ends early. Its
     * tokenizer decodes id {@code i ≥ 3} to the letter {@code 'a' + (i − 3) % 26}.
     */
    static final class FakeEngine implements DecoderModel {
        static final int BOS = 1;
        static final int EOS = 2;
        static final int MAX_ROWS = 128;

        private final ModelInfo info = new ModelInfo("fake", VOCAB, Integer.MAX_VALUE, BOS, Set.of(EOS), true);
        /** {@code byRows[n]}: an array of n rows, each a preallocated logits row. */
        private final float[][][] byRows = new float[MAX_ROWS + 1][][];
        long forwardCalls;
        int lastRows;
        int lastTokens;

        FakeEngine() {
            float[][] rows = new float[MAX_ROWS][VOCAB];
            for (int r = 0; r < MAX_ROWS; r++) {
                for (int i = 0; i < VOCAB; i++) {
                    rows[r][i] = (float) ((i * 31 + r * 17) % 97) / 10f;
                }
                rows[r][0] = -10f;
                rows[r][BOS] = -10f;
                rows[r][EOS] = -10f;
                rows[r][3 + (r * 7) % (VOCAB - 3)] = 20f;
            }
            for (int n = 0; n <= MAX_ROWS; n++) {
                byRows[n] = new float[n][];
                System.arraycopy(rows, 0, byRows[n], 0, n);
            }
        }

        static final class FakeSequence implements SequenceState {
            int length;

            @Override
            public int length() {
                return length;
            }

            @Override
            public void close() {
            }
        }

        @Override
        public ModelInfo info() {
            return info;
        }

        @Override
        public TextTokenizer tokenizer() {
            return LETTERS;
        }

        @Override
        public SequenceState newSequence() {
            return new FakeSequence();
        }

        @Override
        public SequenceState newSequence(int reservedTokens) {
            return new FakeSequence();
        }

        @Override
        public SequenceState fork(SequenceState source, int reservedTokens) {
            FakeSequence copy = new FakeSequence();
            copy.length = source.length();
            return copy;
        }

        @Override
        public float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
            int n = rows.size();
            int total = 0;
            for (int r = 0; r < n; r++) {
                int k = tokens.get(r).length;
                ((FakeSequence) rows.get(r)).length += k;
                total += k;
            }
            forwardCalls++;
            lastRows = n;
            lastTokens = total;
            return byRows[n];
        }

        @Override
        public void close() {
        }

        static final TextTokenizer LETTERS = new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean addSpecialTokens) {
                int[] ids = new int[text.length() + (addSpecialTokens ? 1 : 0)];
                int i = 0;
                if (addSpecialTokens) {
                    ids[i++] = BOS;
                }
                for (int c = 0; c < text.length(); c++) {
                    ids[i++] = 3 + Math.floorMod(text.charAt(c) - 'a', 26);
                }
                return ids;
            }

            @Override
            public String decode(int[] ids) {
                StringBuilder sb = new StringBuilder(ids.length);
                for (int id : ids) {
                    if (id >= 3) {
                        sb.append((char) ('a' + (id - 3) % 26));
                    }
                }
                return sb.toString();
            }

            @Override
            public void close() {
            }
        };
    }
}
