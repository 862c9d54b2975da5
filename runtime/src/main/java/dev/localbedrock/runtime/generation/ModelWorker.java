package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.GenerationOutcome;
import dev.localbedrock.codecs.StopReason;
import dev.localbedrock.codecs.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.tokenizer.IncrementalDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs one model's generations on its own inference thread, one request at a time, from a bounded queue. Requests
 * beyond the queue are refused at once with ThrottlingException rather than queued without bound.
 *
 * <p>This is the simplest correct scheduler; continuous batching replaces {@link #runJob} with a step loop over many
 * sequences while keeping {@link #submit}'s contract.
 */
public final class ModelWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelWorker.class);

    private final String name;
    private final DecoderModel model;
    private final WorkerSettings settings;
    private final int capacity;
    private final BlockingQueue<GenerationJob> queue;
    private final Thread thread;
    private volatile boolean closing;

    public ModelWorker(String name, DecoderModel model, WorkerSettings settings) {
        this.name = name;
        this.model = model;
        this.settings = settings;
        this.capacity = Math.min(settings.maxContextTokens(), model.info().maxPositions());
        this.queue = new ArrayBlockingQueue<>(Math.max(1, settings.maxQueue()));
        this.thread = new Thread(this::loop, "model-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Tokens a sequence may hold (prompt + generation). */
    public int contextTokens() {
        return capacity;
    }

    /**
     * Tokenizes and admits a request.
     *
     * @throws BedrockException ValidationException when the prompt does not fit the context, ThrottlingException
     *                          when the queue is full, ServiceUnavailable... when the worker is shutting down
     */
    public GenerationJob submit(TextGenerationRequest request, GenerationListener listener) {
        if (closing) {
            throw new BedrockException(BedrockErrorType.MODEL_NOT_READY, "The model " + name + " is shutting down.");
        }
        int[] promptIds = model.tokenizer().encode(request.prompt(), true);
        if (promptIds.length == 0) {
            throw BedrockException.validation("The prompt encodes to no tokens.");
        }
        if (promptIds.length >= capacity) {
            throw BedrockException.validation("Input is too long for requested model: the prompt is "
                    + promptIds.length + " tokens and the model's context holds " + capacity
                    + " tokens including at least 1 generated token.");
        }
        long seed = request.sampling().seed() != null ? request.sampling().seed()
                : settings.seed() != null ? settings.seed() : ThreadLocalRandom.current().nextLong();
        GenerationJob job = new GenerationJob(request, promptIds, seed, listener,
                System.nanoTime() + settings.requestTimeout().toNanos());
        if (!queue.offer(job)) {
            throw new BedrockException(BedrockErrorType.THROTTLING,
                    "Too many requests, please wait before trying again. (" + name + ": " + queue.size()
                            + " requests already waiting)");
        }
        return job;
    }

    private void loop() {
        while (!closing || !queue.isEmpty()) {
            GenerationJob job;
            try {
                job = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (job == null || job.isCancelled()) {
                continue;
            }
            try {
                runJob(job);
            } catch (RuntimeException | Error e) {
                log.error("generation failed on {}", name, e);
                job.listener().onError(new BedrockException(BedrockErrorType.MODEL_ERROR,
                        "The model failed to generate: " + e.getMessage()));
            }
        }
    }

    private void runJob(GenerationJob job) {
        TextGenerationRequest request = job.request();
        int[] prompt = job.promptIds();
        int maxNew = Math.min(request.maxTokens(), capacity - prompt.length);
        Sampler sampler = new Sampler(request.sampling(), job.seed());
        IncrementalDecoder detokenizer = new IncrementalDecoder(model.tokenizer(), prompt);
        StopSequenceMatcher stops = new StopSequenceMatcher(request.stopSequences());
        StringBuilder text = new StringBuilder();
        GenerationListener listener = job.listener();
        int generated = 0;
        StopReason reason;
        try (SequenceState sequence = model.newSequence()) {
            listener.onStart(prompt.length);
            float[] logits = model.forward(List.of(sequence), List.of(prompt))[0];
            while (true) {
                if (job.isCancelled()) {
                    return;
                }
                if (job.pastDeadline(System.nanoTime())) {
                    listener.onError(new BedrockException(BedrockErrorType.MODEL_TIMEOUT,
                            "Model has timed out in processing the request (limit "
                                    + settings.requestTimeout().toSeconds() + " s)."));
                    return;
                }
                int token = sampler.sample(logits);
                if (model.info().eosTokenIds().contains(token)) {
                    reason = StopReason.END_OF_SEQUENCE;
                    break;
                }
                generated++;
                String safe = stops.push(detokenizer.push(token));
                emit(listener, text, safe, generated);
                if (stops.stopped()) {
                    reason = StopReason.STOP_SEQUENCE;
                    break;
                }
                if (generated >= maxNew) {
                    reason = generated >= request.maxTokens() ? StopReason.MAX_TOKENS : StopReason.CONTEXT_LENGTH;
                    break;
                }
                logits = model.forward(List.of(sequence), List.of(new int[] {token}))[0];
            }
        }
        if (reason != StopReason.STOP_SEQUENCE) {
            emit(listener, text, stops.push(detokenizer.flush()) + stops.flush(), generated);
        }
        listener.onComplete(new GenerationOutcome(text.toString(), prompt.length, generated, reason));
    }

    private static void emit(GenerationListener listener, StringBuilder text, String safe, int generated) {
        if (!safe.isEmpty()) {
            text.append(safe);
            listener.onText(safe, generated);
        }
    }

    /** Stops admitting, lets queued and running generations finish within {@code graceMillis}, frees the model. */
    public void shutdown(long graceMillis) {
        closing = true;
        try {
            thread.join(Math.max(1, graceMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            GenerationJob job;
            while ((job = queue.poll()) != null) {
                job.listener().onError(new BedrockException(BedrockErrorType.MODEL_NOT_READY,
                        "The server is shutting down."));
            }
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
