package dev.localbedrock.runtime.embedding;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.engines.EmbeddingModel.TruncationSide;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounded embedding worker over a fake model: batching, limits, throttling, timeouts, cancellation, shutdown. */
class EmbeddingWorkerTest {
    private final FakeEmbeddings model = new FakeEmbeddings();
    private EmbeddingWorker worker;

    @AfterEach
    void stop() {
        model.release();
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void embedsEachTextAndCountsTheTokensTheModelRead() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        model.release();
        EmbeddingOutcome outcome = get(worker.submit(EmbeddingRequest.of("one two three")));
        assertEquals(1, outcome.embeddings().size());
        assertArrayEquals(FakeEmbeddings.vectorOf("one two three"), outcome.embeddings().get(0));
        assertEquals(3 + 2, outcome.inputTokenCount(), "words plus the two special tokens");
        assertEquals(3, worker.dimensions());
        assertEquals(FakeEmbeddings.MAX_TOKENS, worker.maxTokens());
    }

    @Test
    void aTextOverTheLimitIsRefusedWithTheLimitAndTheCountUnlessTruncationIsAsked() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        model.release();
        String words = "w ".repeat(FakeEmbeddings.MAX_TOKENS); // MAX_TOKENS + 2 tokens
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(worker.submit(
                EmbeddingRequest.of(words))));
        InferenceFailure cause = assertInstanceOf(InferenceFailure.class, e.getCause());
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, cause.kind());
        assertEquals("400 Bad Request: Too many input tokens. Max input tokens: " + FakeEmbeddings.MAX_TOKENS
                + ", request input token count: " + (FakeEmbeddings.MAX_TOKENS + 2), cause.getMessage());

        String exact = "w ".repeat(FakeEmbeddings.MAX_TOKENS - 2);
        assertEquals(FakeEmbeddings.MAX_TOKENS, get(worker.submit(EmbeddingRequest.of(exact))).inputTokenCount(),
                "exactly at the limit is accepted");
        EmbeddingOutcome cut = get(worker.submit(new EmbeddingRequest(List.of(words),
                EmbeddingRequest.Truncation.END)));
        assertEquals(FakeEmbeddings.MAX_TOKENS, cut.inputTokenCount(), "truncated texts count what the model read");
    }

    @Test
    void eachTextReachesTheEngineWithTheSideItsRequestCutsFrom() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        String words = "w ".repeat(FakeEmbeddings.MAX_TOKENS);
        CompletableFuture<EmbeddingOutcome> start = worker.submit(new EmbeddingRequest(List.of(words, "a b"),
                EmbeddingRequest.Truncation.START));
        CompletableFuture<EmbeddingOutcome> end = worker.submit(new EmbeddingRequest(List.of(words),
                EmbeddingRequest.Truncation.END));
        model.release();
        assertEquals(FakeEmbeddings.MAX_TOKENS + 4, get(start).inputTokenCount(), "the limit plus the short text");
        assertEquals(FakeEmbeddings.MAX_TOKENS, get(end).inputTokenCount());
        List<TruncationSide> sides = new ArrayList<>();
        model.sideCalls.forEach(sides::addAll);
        List<String> texts = new ArrayList<>();
        model.calls.forEach(texts::addAll);
        assertEquals(List.of(words, "a b", words), texts);
        assertEquals(List.of(TruncationSide.START, TruncationSide.START, TruncationSide.END), sides);
    }

    @Test
    void aFullQueueIsThrottledAtOnceAndQueuedRequestsRunTogetherInOneBatch() throws Exception {
        worker = new EmbeddingWorker("e", model, 2, Duration.ofSeconds(30));
        CompletableFuture<EmbeddingOutcome> running = worker.submit(EmbeddingRequest.of("first"));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS), "the worker took the first request");
        CompletableFuture<EmbeddingOutcome> a = worker.submit(EmbeddingRequest.of("a"));
        CompletableFuture<EmbeddingOutcome> b = worker.submit(EmbeddingRequest.of("b c"));
        InferenceFailure full = assertThrows(InferenceFailure.class, () -> worker.submit(EmbeddingRequest.of("c")));
        assertEquals(InferenceFailure.Kind.OVERLOADED, full.kind());
        assertTrue(full.getMessage().contains("2 requests already waiting"), full.getMessage());
        assertEquals(2, worker.queueLength());

        model.release();
        assertArrayEquals(FakeEmbeddings.vectorOf("first"), get(running).embeddings().get(0));
        assertArrayEquals(FakeEmbeddings.vectorOf("a"), get(a).embeddings().get(0));
        assertArrayEquals(FakeEmbeddings.vectorOf("b c"), get(b).embeddings().get(0));
        assertEquals(List.of(List.of("first"), List.of("a", "b c")), model.calls,
                "the two waiting requests were embedded in one engine call");
        assertEquals(0, worker.queueLength());
    }

    @Test
    void aCancelledRequestIsSkippedAndAnExpiredOneTimesOut() throws Exception {
        AtomicLong now = new AtomicLong();
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(5), now::get);
        CompletableFuture<EmbeddingOutcome> running = worker.submit(EmbeddingRequest.of("first"));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<EmbeddingOutcome> gone = worker.submit(EmbeddingRequest.of("gone"));
        gone.cancel(false);
        CompletableFuture<EmbeddingOutcome> late = worker.submit(EmbeddingRequest.of("late")); // arrived at 0 s
        now.set(Duration.ofSeconds(10).toNanos());
        CompletableFuture<EmbeddingOutcome> fresh = worker.submit(EmbeddingRequest.of("fresh")); // arrived at 10 s
        now.set(Duration.ofSeconds(12).toNanos());
        model.release();
        get(running);
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(late));
        InferenceFailure timeout = (InferenceFailure) e.getCause();
        assertEquals(InferenceFailure.Kind.TIMED_OUT, timeout.kind());
        assertTrue(timeout.getMessage().contains("5.0 s"), timeout.getMessage());
        assertArrayEquals(FakeEmbeddings.vectorOf("fresh"), get(fresh).embeddings().get(0));
        assertEquals(List.of(List.of("first"), List.of("fresh")), model.calls,
                "nothing cancelled or expired reached the model");
    }

    @Test
    void anEngineFailureFailsItsBatchAsAModelErrorAndTheWorkerCarriesOn() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        model.release();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> get(worker.submit(EmbeddingRequest.of(FakeEmbeddings.FAIL))));
        assertEquals(InferenceFailure.Kind.ENGINE_FAILED, ((InferenceFailure) e.getCause()).kind());
        ExecutionException nan = assertThrows(ExecutionException.class,
                () -> get(worker.submit(EmbeddingRequest.of(FakeEmbeddings.NAN))));
        assertEquals(InferenceFailure.Kind.ENGINE_FAILED, ((InferenceFailure) nan.getCause()).kind());
        assertTrue(nan.getCause().getMessage().contains("non-finite"), nan.getCause().getMessage());
        assertEquals(2 + 2, get(worker.submit(EmbeddingRequest.of("still fine"))).inputTokenCount());
    }

    @Test
    void aNonFiniteVectorFailsOnlyItsOwnRequestInTheBatch() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        CompletableFuture<EmbeddingOutcome> running = worker.submit(EmbeddingRequest.of("first"));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<EmbeddingOutcome> bad = worker.submit(EmbeddingRequest.of(FakeEmbeddings.NAN));
        CompletableFuture<EmbeddingOutcome> good = worker.submit(EmbeddingRequest.of("good"));
        model.release();
        get(running);
        assertThrows(ExecutionException.class, () -> get(bad));
        assertArrayEquals(FakeEmbeddings.vectorOf("good"), get(good).embeddings().get(0));
        assertEquals(List.of(FakeEmbeddings.NAN, "good"), model.calls.get(1), "they ran in one batch");
    }

    @Test
    void shutdownFinishesTheQueueWithinTheGraceThenRefusesAndClosesTheModel() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        CompletableFuture<EmbeddingOutcome> running = worker.submit(EmbeddingRequest.of("first"));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<EmbeddingOutcome> queued = worker.submit(EmbeddingRequest.of("second"));
        Thread releaser = new Thread(() -> {
            sleep(100);
            model.release();
        });
        releaser.start();
        worker.shutdown(10_000);
        releaser.join();
        assertEquals(1 + 2, get(running).inputTokenCount());
        assertEquals(1 + 2, get(queued).inputTokenCount(), "queued work finishes within the grace period");
        assertTrue(model.closed);
        InferenceFailure refused = assertThrows(InferenceFailure.class,
                () -> worker.submit(EmbeddingRequest.of("third")));
        assertEquals(InferenceFailure.Kind.UNAVAILABLE, refused.kind());
    }

    @Test
    void shutdownWithNoGraceFailsWhatIsStillQueued() throws Exception {
        worker = new EmbeddingWorker("e", model, 4, Duration.ofSeconds(30));
        CompletableFuture<EmbeddingOutcome> running = worker.submit(EmbeddingRequest.of("first"));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<EmbeddingOutcome> queued = worker.submit(EmbeddingRequest.of("second"));
        Thread releaser = new Thread(() -> {
            sleep(200);
            model.release();
        });
        releaser.start();
        worker.shutdown(1);
        releaser.join();
        get(running);
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(queued));
        assertEquals(InferenceFailure.Kind.UNAVAILABLE, ((InferenceFailure) e.getCause()).kind());
        assertFalse(model.calls.contains(List.of("second")));
    }

    private static EmbeddingOutcome get(CompletableFuture<EmbeddingOutcome> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Words are tokens, plus two special tokens; a text's vector is (words, characters, 1). Each {@code embed} call
     * waits until the test releases the model, so a test can fill the queue behind a running call.
     */
    static final class FakeEmbeddings implements EmbeddingModel {
        static final int MAX_TOKENS = 16;
        static final String FAIL = "fail";
        static final String NAN = "nan";
        final List<List<String>> calls = new CopyOnWriteArrayList<>();
        final List<List<TruncationSide>> sideCalls = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch gate = new CountDownLatch(1);
        volatile boolean closed;

        static float[] vectorOf(String text) {
            return new float[] {words(text), text.length(), 1f};
        }

        private static int words(String text) {
            String t = text.trim();
            return t.isEmpty() ? 0 : t.split("\\s+").length;
        }

        void release() {
            gate.countDown();
        }

        @Override
        public int dimensions() {
            return 3;
        }

        @Override
        public int maxTokens() {
            return MAX_TOKENS;
        }

        @Override
        public float[][] embed(List<String> texts, List<TruncationSide> sides) {
            assertEquals(texts.size(), sides.size());
            sideCalls.add(List.copyOf(sides));
            return embed(texts);
        }

        @Override
        public float[][] embed(List<String> texts) {
            entered.countDown();
            try {
                assertTrue(gate.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            calls.add(new ArrayList<>(texts));
            if (texts.contains(FAIL)) {
                throw new IllegalStateException("the fake engine failed");
            }
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = texts.get(i).equals(NAN) ? new float[] {Float.NaN, 0, 0} : vectorOf(texts.get(i));
            }
            return out;
        }

        @Override
        public int countTokens(String text) {
            return words(text) + 2;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
