package dev.localbedrock.runtime.capacity;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.runtime.generation.GenerationJob;
import dev.localbedrock.runtime.generation.GenerationListener;
import dev.localbedrock.runtime.generation.ModelWorker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Closed-loop load against one model's worker: at each level, {@code concurrency} clients each keep one request in
 * flight and submit the next the moment the last one ends, first for a warm-up, then for the measurement window. Every
 * request has exactly {@code promptTokens} prompt tokens (ids drawn at random from the vocabulary, so no two share a
 * prefix; a dense model's cost does not depend on which ids they are) and generates exactly {@code outputTokens}
 * tokens (end-of-sequence is biased away, as load generators' "ignore EOS" does), so the figures measure the host,
 * not what a random prompt happens to make the model say.
 *
 * <p>Requests go straight to the worker ({@link ModelWorker#submitTokens}), as on-demand traffic through the same
 * continuous-batching scheduler the server uses; there is no HTTP in the loop, so the figures are the model's and
 * the host's, not a client's or the network's.
 */
public final class CapacityProbe {
    /** Sampling as Bedrock's Llama 2 defaults (temperature 0.5, top-p 0.9), so the sampler's work is counted too. */
    private static final float TEMPERATURE = 0.5f;
    private static final float TOP_P = 0.9f;
    private static final float EOS_BIAS = -1000f;
    /** How long a refused client waits before trying again (a level above what the queue admits). */
    private static final long RETRY_MILLIS = 20;
    /** Longest a level's leftover requests may take to leave the batch once cancelled. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);

    /**
     * How each level is loaded.
     *
     * @param promptTokens tokens of every prompt (BOS included where the model adds one)
     * @param outputTokens tokens every request generates
     * @param warmup       load before the window opens (lets the batch fill and the engine warm)
     * @param measure      the measurement window of each level
     */
    public record Settings(int promptTokens, int outputTokens, Duration warmup, Duration measure) {
    }

    private final ModelWorker worker;
    private final Settings settings;
    private final ModelInfo info;
    private final Map<Integer, Float> noEndOfSequence = new HashMap<>();
    private final AtomicLong requestNumber = new AtomicLong();

    public CapacityProbe(ModelWorker worker, Settings settings) {
        this.worker = worker;
        this.settings = settings;
        this.info = worker.model().info();
        for (int eos : info.eosTokenIds()) {
            if (eos >= 0 && eos < info.vocabSize()) {
                noEndOfSequence.put(eos, EOS_BIAS);
            }
        }
    }

    /** Concurrency 1, 2, 4, … while below {@code max}, then {@code max} itself. */
    public static List<Integer> levels(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the highest concurrency must be at least 1, not " + max);
        }
        List<Integer> levels = new ArrayList<>();
        for (int c = 1; c < max; c *= 2) {
            levels.add(c);
        }
        levels.add(max);
        return levels;
    }

    /** Measures each level in turn, handing each result to {@code progress} as it is measured. */
    public List<LevelResult> run(List<Integer> concurrencies, Consumer<LevelResult> progress)
            throws InterruptedException {
        List<LevelResult> results = new ArrayList<>();
        for (int concurrency : concurrencies) {
            LevelResult result = measure(concurrency);
            results.add(result);
            progress.accept(result);
        }
        return results;
    }

    private LevelResult measure(int concurrency) throws InterruptedException {
        LevelRecorder recorder = new LevelRecorder(concurrency);
        Level level = new Level(recorder);
        try {
            for (int i = 0; i < concurrency; i++) {
                level.submitNext();
            }
            Thread.sleep(settings.warmup().toMillis());
            recorder.open(System.nanoTime());
            Thread.sleep(settings.measure().toMillis());
            return recorder.close(System.nanoTime());
        } finally {
            level.stop();
        }
    }

    /** The clients of one level and the requests they have in flight. */
    private final class Level {
        private final LevelRecorder recorder;
        private final Set<GenerationJob> inFlight = ConcurrentHashMap.newKeySet();
        /** Submissions run here, never on the scheduler thread that reports a request's end. */
        private final ScheduledExecutorService clients = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "capacity-clients");
            t.setDaemon(true);
            return t;
        });
        private volatile boolean stopping;

        Level(LevelRecorder recorder) {
            this.recorder = recorder;
        }

        void submitNext() {
            if (stopping) {
                return;
            }
            Request request = new Request(this);
            long number = requestNumber.incrementAndGet();
            try {
                request.job = worker.submitTokens(prompt(number), request(number), request);
                inFlight.add(request.job);
                if (request.finished) {
                    inFlight.remove(request.job);
                }
            } catch (InferenceFailure refused) {
                recorder.failed(System.nanoTime());
                retryLater();
            }
        }

        void ended(Request request, boolean failed) {
            if (request.job != null) {
                inFlight.remove(request.job);
            }
            if (failed) {
                retryLater();
            } else if (!stopping) {
                try {
                    clients.execute(this::submitNext);
                } catch (RejectedExecutionException levelOver) {
                    // The level stopped between the check and the hand-off: nothing more to submit.
                }
            }
        }

        private void retryLater() {
            if (!stopping) {
                try {
                    clients.schedule(this::submitNext, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException levelOver) {
                    // As above.
                }
            }
        }

        /** Stops the clients, cancels what is still running and waits until the batch is empty for the next level. */
        void stop() throws InterruptedException {
            stopping = true;
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
            inFlight.forEach(GenerationJob::cancel);
            long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
            while (worker.queueLength() > 0 || worker.kvReservedTokens() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the model did not finish the cancelled requests within "
                            + DRAIN_LIMIT.toSeconds() + " s");
                }
                Thread.sleep(5);
            }
        }
    }

    /** One request: turns the worker's callbacks into timed events for the recorder. */
    private final class Request implements GenerationListener {
        private final Level level;
        private final long submittedAt = System.nanoTime();
        private volatile GenerationJob job;
        private volatile boolean finished;
        private long lastTextAt = -1;
        private int tokensSoFar;

        Request(Level level) {
            this.level = level;
        }

        @Override
        public void onText(String text, int outputTokenCount) {
            long now = System.nanoTime();
            int delta = outputTokenCount - tokensSoFar;
            if (lastTextAt < 0) {
                level.recorder.firstText(now, now - submittedAt, settings.promptTokens(), delta);
            } else {
                level.recorder.moreText(now, now - lastTextAt, delta);
            }
            lastTextAt = now;
            tokensSoFar = outputTokenCount;
        }

        @Override
        public void onComplete(GenerationOutcome outcome) {
            long now = System.nanoTime();
            level.recorder.silentTokens(now, outcome.outputTokenCount() - tokensSoFar);
            level.recorder.completed(now);
            finished = true;
            level.ended(this, false);
        }

        @Override
        public void onError(InferenceFailure error) {
            level.recorder.failed(System.nanoTime());
            finished = true;
            level.ended(this, true);
        }
    }

    private TextGenerationRequest request(long number) {
        SamplingParameters sampling = new SamplingParameters(TEMPERATURE, TOP_P, 0, number)
                .withLogitBias(noEndOfSequence);
        return new TextGenerationRequest("", settings.outputTokens(), sampling, List.of());
    }

    /** A prompt of random ordinary token ids, different for every request (seeded, so runs are repeatable). */
    private int[] prompt(long number) {
        SplittableRandom random = new SplittableRandom(number);
        int[] ids = new int[settings.promptTokens()];
        int from = 0;
        if (info.addBos() && info.bosTokenId() >= 0) {
            ids[from++] = info.bosTokenId();
        }
        // Low ids are the special ones (unknown, BOS, EOS, padding) in the common vocabularies; skip them too.
        int lowest = Math.min(3, info.vocabSize() - 1);
        for (int i = from; i < ids.length; i++) {
            int id;
            do {
                id = random.nextInt(lowest, info.vocabSize());
            } while (id == info.bosTokenId() || info.eosTokenIds().contains(id));
            ids[i] = id;
        }
        return ids;
    }
}
