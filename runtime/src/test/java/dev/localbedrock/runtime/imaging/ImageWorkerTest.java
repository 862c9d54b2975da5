package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageFinishReason;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSampler;
import dev.localbedrock.codecs.inference.ImageSize;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.WeightedPrompt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageWorkerTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    private final FakeDiffusionModel model = new FakeDiffusionModel();
    private final AtomicLong clock = new AtomicLong();
    private ImageWorker worker;

    @AfterEach
    void stop() {
        model.releaseAll();
        if (worker != null) {
            worker.shutdown(5_000);
        }
    }

    private ImageWorker start(int maxRowsPerStep, int maxQueue, Duration timeout) {
        worker = new ImageWorker("fake-sdxl", model, new ImagePlannerLimits(maxRowsPerStep, maxQueue, timeout, LONG),
                clock::get);
        return worker;
    }

    private static ImageGenerationRequest request(String prompt, int steps, long seed, int samples, double cfg,
                                                  int size, ImageSampler sampler) {
        return new ImageGenerationRequest(List.of(new WeightedPrompt(prompt, 1)), List.of(), cfg, steps, seed,
                new ImageSize(size, size), sampler, samples, null, null);
    }

    private static ImageGenerationOutcome await(CompletableFuture<ImageGenerationOutcome> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static InferenceFailure failureOf(CompletableFuture<ImageGenerationOutcome> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(InferenceFailure.class, e.getCause());
    }

    @Test
    void requestsOfDifferentStepsAndSizesShareOneUnetCallPerSizePerStep() throws Exception {
        start(8, 4, LONG);
        model.hold();
        CompletableFuture<ImageGenerationOutcome> a = worker.submit(request("cat", 3, 7, 1, 5, 16, null));
        model.awaitCalls(1); // a's first step is in the UNet
        CompletableFuture<ImageGenerationOutcome> b = worker.submit(request("a dog!", 5, 9, 1, 5, 16, null));
        CompletableFuture<ImageGenerationOutcome> c = worker.submit(request("owl", 2, 9, 1, 1, 24, null));
        model.releaseAll();
        await(a);
        await(b);
        await(c);
        List<FakeDiffusionModel.Batch> batches = model.batches;
        // Step 1: a alone. Steps 2-3: a and b at 16 px in one call, c at 24 px in another. Then b alone.
        assertEquals(List.of(0f, 3f), batches.get(0).promptMarks());
        for (int step = 0; step < 2; step++) {
            FakeDiffusionModel.Batch small = batches.get(1 + 2 * step);
            FakeDiffusionModel.Batch large = batches.get(2 + 2 * step);
            assertEquals(List.of(0f, 3f, 0f, 6f), small.promptMarks(), "uncond and cond rows of a then b");
            assertEquals(2, small.latentHeight());
            assertEquals(List.of(3f), large.promptMarks(), "cfg 1: the conditional row alone");
            assertEquals(3, large.latentHeight());
        }
        for (int i = 5; i < batches.size(); i++) {
            assertEquals(List.of(0f, 6f), batches.get(i).promptMarks());
        }
        assertEquals(1 + 2 * 2 + 3, batches.size(), "a: 3 steps, b: 5, c: 2, no call outside them");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(await(c).artifacts().get(0).pngBytes()));
        assertEquals(24, png.getWidth());
        assertEquals(24, png.getHeight());
    }

    @Test
    void anImageIsTheSameBitForBitWhateverRunsBesideIt() throws Exception {
        start(8, 4, LONG);
        ImageGenerationRequest subject = request("a lighthouse", 4, 123, 2, 7, 16, ImageSampler.K_EULER_ANCESTRAL);
        ImageGenerationOutcome alone = await(worker.submit(subject));

        model.hold();
        CompletableFuture<ImageGenerationOutcome> neighbour =
                worker.submit(request("storm", 6, 5, 1, 3, 16, ImageSampler.K_EULER_ANCESTRAL));
        model.awaitCalls(1);
        CompletableFuture<ImageGenerationOutcome> beside = worker.submit(subject);
        model.releaseAll();
        ImageGenerationOutcome together = await(beside);
        await(neighbour);

        assertEquals(List.of(123L, 124L), together.artifacts().stream().map(ImageArtifact::seed).toList());
        for (int i = 0; i < 2; i++) {
            assertEquals(ImageFinishReason.SUCCESS, together.artifacts().get(i).finishReason());
            assertArrayEquals(alone.artifacts().get(i).pngBytes(), together.artifacts().get(i).pngBytes());
        }
        assertFalse(java.util.Arrays.equals(alone.artifacts().get(0).pngBytes(),
                alone.artifacts().get(1).pngBytes()), "the two seeds draw different noise");
    }

    @Test
    void seedZeroPicksANonZeroSeedThatReproducesTheImage() throws Exception {
        start(8, 4, LONG);
        ImageArtifact picked = await(worker.submit(request("fox", 3, 0, 1, 5, 16, null))).artifacts().get(0);
        assertTrue(picked.seed() >= 1 && picked.seed() <= ImageGenerationRequest.MAX_SEED);
        ImageArtifact again = await(worker.submit(request("fox", 3, picked.seed(), 1, 5, 16, null)))
                .artifacts().get(0);
        assertArrayEquals(picked.pngBytes(), again.pngBytes());
    }

    @Test
    void imageSeedsWrapPastTheLargestSeedAndSkipZero() {
        long max = ImageGenerationRequest.MAX_SEED;
        assertEquals(max, ImageWorker.seedOf(max - 1, 1));
        assertEquals(1, ImageWorker.seedOf(max, 1));
        assertEquals(2, ImageWorker.seedOf(max, 2));
        assertEquals(10, ImageWorker.seedOf(8, 2));
    }

    @Test
    void aCancelledRequestFreesItsRowsForTheNextInLine() throws Exception {
        start(2, 4, LONG);
        model.hold();
        CompletableFuture<ImageGenerationOutcome> a = worker.submit(request("cat", 20, 1, 1, 5, 16, null));
        model.awaitCalls(1);
        CompletableFuture<ImageGenerationOutcome> b = worker.submit(request("a dog!", 2, 1, 1, 5, 16, null));
        assertEquals(1, worker.queueLength(), "b's two rows do not fit beside a's");
        a.cancel(false);
        model.releaseAll();
        await(b);
        assertThrows(CancellationException.class, a::join);
        List<FakeDiffusionModel.Batch> batches = model.batches;
        assertEquals(3, batches.size(), "a's first step, then b's two; none of a's other 19");
        assertEquals(List.of(0f, 6f), batches.get(1).promptMarks());
        assertEquals(List.of(0f, 6f), batches.get(2).promptMarks());
    }

    @Test
    void aFullQueueIsRefusedWithThrottling() throws Exception {
        start(2, 1, LONG);
        model.hold();
        worker.submit(request("cat", 2, 1, 1, 5, 16, null));
        model.awaitCalls(1);
        worker.submit(request("cat", 2, 1, 1, 5, 16, null)); // waits: the rows are taken
        InferenceFailure refused = assertThrows(InferenceFailure.class,
                () -> worker.submit(request("cat", 2, 1, 1, 5, 16, null)));
        assertEquals(InferenceFailure.Kind.OVERLOADED, refused.kind());
        assertTrue(refused.getMessage().contains("1 requests already waiting"), refused.getMessage());
    }

    @Test
    void aRequestPastItsTimeoutFailsWithModelTimeout() throws Exception {
        start(8, 4, Duration.ofSeconds(10));
        model.hold();
        CompletableFuture<ImageGenerationOutcome> slow = worker.submit(request("cat", 5, 1, 1, 5, 16, null));
        model.awaitCalls(1);
        clock.addAndGet(Duration.ofSeconds(11).toNanos());
        model.releaseAll();
        InferenceFailure failure = failureOf(slow);
        assertEquals(InferenceFailure.Kind.TIMED_OUT, failure.kind());
        assertEquals(1, model.batches.size(), "dropped at the next step boundary");
    }

    @Test
    void anEngineFailureFailsTheStepsRequestsAndTheWorkerGoesOn() throws Exception {
        start(8, 4, LONG);
        model.failNextCall = true;
        InferenceFailure failure = failureOf(worker.submit(request("cat", 3, 1, 1, 5, 16, null)));
        assertEquals(InferenceFailure.Kind.ENGINE_FAILED, failure.kind());
        assertTrue(failure.getMessage().contains("simulated UNet failure"), failure.getMessage());
        ImageGenerationOutcome next = await(worker.submit(request("cat", 3, 1, 1, 5, 16, null)));
        assertEquals(ImageFinishReason.SUCCESS, next.artifacts().get(0).finishReason());
    }

    @Test
    void aNonFiniteLatentIsAnErrorArtifact() throws Exception {
        start(8, 4, LONG);
        ImageArtifact artifact = await(worker.submit(request("nan", 2, 4, 1, 5, 16, null))).artifacts().get(0);
        assertEquals(ImageFinishReason.ERROR, artifact.finishReason());
        assertEquals(0, artifact.pngBytes().length);
        assertEquals(4, artifact.seed());
    }

    @Test
    void negativePromptsAreTheUnconditionalBranchAndWeightsBlend() throws Exception {
        start(8, 4, LONG);
        ImageGenerationRequest weighted = new ImageGenerationRequest(
                List.of(new WeightedPrompt("ab", 1), new WeightedPrompt("abcdef", 3)),
                List.of(new WeightedPrompt("blurry!", 1)), 5, 2, 1, new ImageSize(16, 16), null, 1, null, null);
        await(worker.submit(weighted));
        assertEquals(List.of(7f, 5f), model.batches.get(0).promptMarks(), "uncond: 'blurry!'; cond: (2 + 3·6) / 4");
    }

    @Test
    void aStylePresetStylesThePromptAndAddsItsNegative() throws Exception {
        start(8, 4, LONG);
        ImageGenerationRequest styled = new ImageGenerationRequest(List.of(new WeightedPrompt("a fox", 1)),
                List.of(), 5, 2, 1, new ImageSize(16, 16), null, 1, "anime", null);
        await(worker.submit(styled));
        StylePresets.Style anime = StylePresets.STYLES.get("anime");
        assertEquals(List.of((float) anime.negative().length(),
                        (float) anime.template().replace("{prompt}", "a fox").length()),
                model.batches.get(0).promptMarks(), "uncond: the style's negative; cond: the styled prompt");
    }

    @Test
    void anUnsupportedSamplerOrSizeIsRefusedBeforeItWaits() {
        start(8, 4, LONG);
        InferenceFailure sampler = assertThrows(InferenceFailure.class,
                () -> worker.submit(request("cat", 2, 1, 1, 5, 16, ImageSampler.K_LMS)));
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, sampler.kind());
        assertTrue(sampler.getMessage().contains("K_EULER_ANCESTRAL"), sampler.getMessage());
        InferenceFailure size = assertThrows(InferenceFailure.class,
                () -> worker.submit(request("cat", 2, 1, 1, 5, 12, null)));
        assertTrue(size.getMessage().contains("multiples of 8"), size.getMessage());
        assertEquals(0, worker.queueLength());
    }

    @Test
    void shutdownLetsAcceptedRequestsFinishThenClosesTheModel() throws Exception {
        start(8, 4, LONG);
        model.hold();
        CompletableFuture<ImageGenerationOutcome> running = worker.submit(request("cat", 3, 1, 1, 5, 16, null));
        model.awaitCalls(1);
        Thread stopper = new Thread(() -> worker.shutdown(10_000));
        stopper.start();
        model.releaseAll();
        stopper.join(15_000);
        assertEquals(ImageFinishReason.SUCCESS, await(running).artifacts().get(0).finishReason());
        assertTrue(model.closed);
        InferenceFailure refused = assertThrows(InferenceFailure.class,
                () -> worker.submit(request("cat", 3, 1, 1, 5, 16, null)));
        assertEquals(InferenceFailure.Kind.UNAVAILABLE, refused.kind());
        assertNotEquals(null, refused.getMessage());
    }
}
