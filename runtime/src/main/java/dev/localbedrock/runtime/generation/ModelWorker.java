package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.runtime.worker.WorkerThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one model's continuous-batching scheduler on its own thread: the thread steps while there is work and parks
 * when there is none (a submission wakes it). Requests are admitted between steps; beyond the bounded queue they
 * are refused at once as overloaded rather than queued without bound.
 */
public final class ModelWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelWorker.class);
    /** Longest idle park: bounds how late queued deadlines and held-back admissions are noticed. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String name;
    private final DecoderModel model;
    private final ModelScheduler scheduler;
    private final WorkerThread thread;

    public ModelWorker(String name, DecoderModel model, WorkerSettings settings) {
        this(name, model, settings, WorkerHooks.defaults());
    }

    public ModelWorker(String name, DecoderModel model, WorkerSettings settings, WorkerHooks hooks) {
        this.name = name;
        this.model = model;
        this.scheduler = new ModelScheduler(name, model, settings, hooks, System::nanoTime);
        this.thread = new WorkerThread("model-" + name, this::loop);
        this.thread.start();
    }

    /** Tokens a sequence may hold (prompt + generation). */
    public int contextTokens() {
        return scheduler.contextTokens();
    }

    /** The metrics sink this worker reports to ({@link InMemorySchedulerMetrics} unless the hooks said otherwise). */
    public SchedulerMetrics metrics() {
        return scheduler.metrics();
    }

    /**
     * KV tokens the scheduler's ledger holds for admitted requests now; 0 once every request ended (a disconnected
     * one leaves at the next step). Readable from any thread.
     */
    public long kvReservedTokens() {
        return scheduler.kvReservedTokens();
    }

    /**
     * The engine this worker drives, for read-only accounting from other threads (the engines' counters such as
     * live sequences and tensors are synchronized); everything else on it belongs to the worker's thread.
     */
    public DecoderModel model() {
        return model;
    }

    /**
     * The batch slots and KV this model holds back for provisioned throughput, by capacity tag; the control plane
     * changes them from any thread and the scheduler applies them from its next step.
     */
    public CapacityReservations reservations() {
        return scheduler.reservations();
    }

    /** Requests waiting for admission now. */
    public int queueLength() {
        return scheduler.queueLength();
    }

    /** {@link #submit(TextGenerationRequest, GenerationListener, String)} for on-demand traffic (no tag). */
    public GenerationJob submit(TextGenerationRequest request, GenerationListener listener) {
        return submit(request, listener, null);
    }

    /**
     * Tokenizes and queues a request.
     *
     * @param capacityTag who the capacity is for (see {@link QueuedRequest#capacityTag()}); null for on-demand
     * @throws InferenceFailure INVALID_REQUEST when the prompt does not fit the context, OVERLOADED when the queue
     *                          is full, UNAVAILABLE when the worker is shutting down
     */
    public GenerationJob submit(TextGenerationRequest request, GenerationListener listener, String capacityTag) {
        checkOpen();
        return wake(scheduler.submit(request, listener, capacityTag));
    }

    /** Queues a request whose prompt is given as token ids ({@code request.prompt()} is ignored). */
    public GenerationJob submitTokens(int[] promptIds, TextGenerationRequest request, GenerationListener listener) {
        return submitTokens(promptIds, request, listener, null);
    }

    /**
     * Queues a request whose prompt is given as token ids, under {@code capacityTag} (see
     * {@link #submit(TextGenerationRequest, GenerationListener, String)}).
     */
    public GenerationJob submitTokens(int[] promptIds, TextGenerationRequest request, GenerationListener listener,
                                      String capacityTag) {
        checkOpen();
        return wake(scheduler.submitTokens(promptIds, request, listener, capacityTag));
    }

    private void checkOpen() {
        if (thread.closing()) {
            throw new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The model " + name + " is shutting down.");
        }
    }

    private GenerationJob wake(GenerationJob job) {
        thread.wake();
        return job;
    }

    private void loop() {
        while (true) {
            if (thread.aborting()) {
                scheduler.abortAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE,
                        "The server is shutting down."));
                return;
            }
            boolean worked;
            try {
                worked = scheduler.step();
            } catch (RuntimeException | Error e) {
                log.error("scheduler step failed on {}; failing its requests", name, e);
                scheduler.abortAll(new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED,
                        "The model failed to generate: " + e.getMessage()));
                worked = true;
            }
            if (!worked) {
                if (thread.closing() && !scheduler.hasWork()) {
                    return;
                }
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
    }

    /** Stops admitting, lets queued and running generations finish within {@code graceMillis}, then ends the rest. */
    public void shutdown(long graceMillis) {
        thread.stop(graceMillis);
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
