package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;

import java.util.function.LongSupplier;

/**
 * One model's scheduler without a thread: intake, waiting queue and step loop wired together. {@link ModelWorker}
 * drives it from its own thread; tests drive it step by step with their own clock.
 */
final class ModelScheduler {
    private final WaitingQueue waiting;
    private final RequestIntake intake;
    private final StepLoop loop;
    private final SchedulerMetrics metrics;
    private final CapacityReservations reservations;

    ModelScheduler(String name, DecoderModel model, WorkerSettings settings, WorkerHooks hooks, LongSupplier clock) {
        this.reservations = new CapacityReservations(settings.maxRunningSequences(), settings.kvCacheTokens());
        this.waiting = new WaitingQueue(name, settings.maxQueue(), settings.maxQueueWait(), hooks.admission(),
                reservations);
        this.intake = new RequestIntake(name, model, settings, waiting, hooks.metrics(), clock);
        this.loop = new StepLoop(model, settings, waiting, hooks, reservations, clock);
        this.metrics = hooks.metrics();
    }

    GenerationJob submit(TextGenerationRequest request, GenerationListener listener, String capacityTag) {
        return intake.submit(request, listener, capacityTag);
    }

    GenerationJob submitTokens(int[] promptIds, TextGenerationRequest request, GenerationListener listener,
                               String capacityTag) {
        return intake.submitTokens(promptIds, request, listener, capacityTag);
    }

    /** Scheduler thread only. */
    boolean step() {
        return loop.step();
    }

    /** Scheduler thread only. */
    boolean hasWork() {
        return loop.hasWork();
    }

    /** Scheduler thread only. */
    void abortAll(InferenceFailure error) {
        loop.abortAll(error);
    }

    /** Prompt prefixes the prefix cache holds; scheduler thread only. */
    int cachedPrefixes() {
        return loop.cachedPrefixes();
    }

    /** Closes every cached prefix; scheduler thread only. */
    void clearPrefixCache() {
        loop.clearPrefixCache();
    }

    long kvReservedTokens() {
        return loop.kvReservedTokens();
    }

    int contextTokens() {
        return intake.contextTokens();
    }

    int queueLength() {
        return waiting.size();
    }

    /** Any thread. */
    CapacityReservations reservations() {
        return reservations;
    }

    /** Scheduler thread only. */
    CapacityUsage usage() {
        return loop.usage();
    }

    SchedulerMetrics metrics() {
        return metrics;
    }
}
