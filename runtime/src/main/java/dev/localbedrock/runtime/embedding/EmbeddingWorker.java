package dev.localbedrock.runtime.embedding;

import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.runtime.worker.WorkerThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs one embedding model on its own thread behind a bounded queue. A request beyond the queue is refused at once
 * with ThrottlingException; the thread takes every request waiting (up to {@value #MAX_BATCH_TEXTS} texts) and embeds
 * their texts in one engine call, so under load requests batch by themselves while an idle model answers a lone
 * request with no added wait.
 *
 * <p>Before embedding, each text's tokens are counted: a text over the model's limit fails its request with
 * ValidationException when the request asked for no truncation (Titan's behaviour: it refuses rather than truncates,
 * in the words the real service uses), else the engine truncates it, from the end or from the start as the request
 * asked (the special tokens at both ends stay). A request still queued after
 * {@code requestTimeout} ends with ModelTimeoutException; one whose client went away (its future cancelled) is
 * skipped. Futures complete on this thread: callers hand the encoding to their own thread.
 */
public final class EmbeddingWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingWorker.class);
    /** Most texts one engine call embeds (the engine runs them in length-sorted sub-batches). */
    static final int MAX_BATCH_TEXTS = 64;
    private static final long IDLE_POLL_MILLIS = 50;

    private final String name;
    private final EmbeddingModel model;
    private final BlockingQueue<Task> queue;
    private final long timeoutNanos;
    private final LongSupplier clock;
    private final WorkerThread thread;

    /**
     * Starts the worker thread.
     *
     * @param maxQueue       requests that may wait; 0 behaves as 1
     * @param requestTimeout the longest a request may wait before its texts are embedded
     */
    public EmbeddingWorker(String name, EmbeddingModel model, int maxQueue, Duration requestTimeout) {
        this(name, model, maxQueue, requestTimeout, System::nanoTime);
    }

    EmbeddingWorker(String name, EmbeddingModel model, int maxQueue, Duration requestTimeout, LongSupplier clock) {
        this.name = name;
        this.model = model;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, maxQueue));
        this.timeoutNanos = requestTimeout.toNanos();
        this.clock = clock;
        this.thread = new WorkerThread("embed-" + name, this::loop);
        this.thread.start();
    }

    /** Length of every vector. */
    public int dimensions() {
        return model.dimensions();
    }

    /** Tokens one text may have (special tokens included). */
    public int maxTokens() {
        return model.maxTokens();
    }

    /**
     * Tokens {@code text} encodes to in this model, special tokens included (the model is thread-safe, so any
     * thread may count): what a knowledge base's chunker holds each chunk to.
     */
    public int countTokens(String text) {
        return model.countTokens(text);
    }

    /** Requests waiting now. */
    public int queueLength() {
        return queue.size();
    }

    /**
     * Queues a request. Cancelling the returned future (the client went away) drops the request if it has not run.
     *
     * @throws InferenceFailure OVERLOADED when the queue is full, UNAVAILABLE when the worker is shutting down
     */
    public CompletableFuture<EmbeddingOutcome> submit(EmbeddingRequest request) {
        if (thread.closing()) {
            throw new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The model " + name + " is shutting down.");
        }
        Task task = new Task(request, new CompletableFuture<>(), clock.getAsLong());
        if (!queue.offer(task)) {
            throw new InferenceFailure(InferenceFailure.Kind.OVERLOADED, "Too many requests, please wait before trying "
                    + "again. (" + name + ": " + queue.size() + " requests already waiting)");
        }
        if (thread.closing() && !thread.isAlive() && queue.remove(task)) {
            // Raced with shutdown: the thread is gone and would never take it.
            throw new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The model " + name + " is shutting down.");
        }
        return task.future;
    }

    private void loop() {
        List<Task> batch = new ArrayList<>();
        while (true) {
            if (thread.aborting()) {
                failAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The server is shutting down."));
                return;
            }
            Task first;
            try {
                first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                failAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The server is shutting down."));
                return;
            }
            if (first == null) {
                if (thread.closing()) {
                    return;
                }
                continue;
            }
            batch.clear();
            batch.add(first);
            int texts = first.request.texts().size();
            for (Task next; texts < MAX_BATCH_TEXTS && (next = queue.peek()) != null; ) {
                if (texts + next.request.texts().size() > MAX_BATCH_TEXTS) {
                    break;
                }
                batch.add(queue.poll());
                texts += next.request.texts().size();
            }
            try {
                run(batch);
            } catch (RuntimeException | Error e) {
                log.error("embedding failed on {}; failing its requests", name, e);
                InferenceFailure error = new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED,
                        "The model failed to embed the input: " + e.getMessage());
                batch.forEach(t -> t.future.completeExceptionally(error));
            }
        }
    }

    /** Counts, checks and embeds the live requests of one batch; each future completes here. */
    private void run(List<Task> batch) {
        List<Task> live = new ArrayList<>(batch.size());
        List<String> texts = new ArrayList<>();
        List<EmbeddingModel.TruncationSide> sides = new ArrayList<>();
        long now = clock.getAsLong();
        for (Task task : batch) {
            if (task.future.isDone()) {
                continue; // cancelled: the client is gone
            }
            if (now - task.arrivalNanos > timeoutNanos) {
                task.future.completeExceptionally(new InferenceFailure(InferenceFailure.Kind.TIMED_OUT,
                        "Model has timed out in processing the request (limit " + timeoutNanos / 1e9 + " s)."));
                continue;
            }
            if (admit(task)) {
                live.add(task);
                texts.addAll(task.request.texts());
                EmbeddingModel.TruncationSide side = sideOf(task.request.truncation());
                task.request.texts().forEach(t -> sides.add(side));
            }
        }
        if (live.isEmpty()) {
            return;
        }
        float[][] vectors = model.embed(texts, sides);
        if (vectors.length != texts.size()) {
            throw new IllegalStateException("the engine returned " + vectors.length + " vectors for " + texts.size()
                    + " texts");
        }
        int at = 0;
        for (Task task : live) {
            int n = task.request.texts().size();
            List<float[]> own = new ArrayList<>(n);
            boolean finite = true;
            for (int i = 0; i < n; i++) {
                float[] v = vectors[at++];
                finite &= isFinite(v);
                own.add(v);
            }
            if (finite) {
                task.future.complete(new EmbeddingOutcome(own, task.tokens, task.request));
            } else {
                log.error("{} produced a non-finite embedding", name);
                task.future.completeExceptionally(new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED,
                        "The model produced a non-finite embedding for the input."));
            }
        }
    }

    /** Counts the task's tokens; fails it (and returns false) when a text is over the limit and may not be cut. */
    private boolean admit(Task task) {
        int limit = model.maxTokens();
        int total = 0;
        for (String text : task.request.texts()) {
            int tokens = model.countTokens(text);
            if (tokens > limit && task.request.truncation() == EmbeddingRequest.Truncation.NONE) {
                task.future.completeExceptionally(InferenceFailure.invalid("400 Bad Request: Too many input "
                        + "tokens. Max input tokens: " + limit + ", request input token count: " + tokens));
                return false;
            }
            total += Math.min(tokens, limit);
        }
        task.tokens = total;
        return true;
    }

    /** Cohere's LEFT ({@code START}) cuts the beginning; RIGHT and a request that fits cut, or need, the end. */
    private static EmbeddingModel.TruncationSide sideOf(EmbeddingRequest.Truncation truncation) {
        return truncation == EmbeddingRequest.Truncation.START
                ? EmbeddingModel.TruncationSide.START : EmbeddingModel.TruncationSide.END;
    }

    private static boolean isFinite(float[] vector) {
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private void failAll(InferenceFailure error) {
        for (Task task; (task = queue.poll()) != null; ) {
            task.future.completeExceptionally(error);
        }
    }

    /**
     * Stops admitting, lets queued requests finish within {@code graceMillis}, fails the rest, then closes the model.
     */
    public void shutdown(long graceMillis) {
        if (!thread.stop(graceMillis)) {
            log.warn("embedding worker {} did not stop; leaving its model open", name);
            return;
        }
        failAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The server is shutting down."));
        try {
            model.close();
        } catch (RuntimeException e) {
            log.warn("closing embedding model {} failed", name, e);
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }

    private static final class Task {
        final EmbeddingRequest request;
        final CompletableFuture<EmbeddingOutcome> future;
        final long arrivalNanos;
        /** Tokens the model reads, set when admitted. */
        int tokens;

        Task(EmbeddingRequest request, CompletableFuture<EmbeddingOutcome> future, long arrivalNanos) {
            this.request = request;
            this.future = future;
            this.arrivalNanos = arrivalNanos;
        }
    }
}
