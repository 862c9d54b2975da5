package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageFinishReason;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSampler;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.WeightedPrompt;
import dev.localbedrock.engines.diffusion.DenoisingState;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.DiffusionModelInfo;
import dev.localbedrock.engines.diffusion.GaussianNoise;
import dev.localbedrock.engines.diffusion.PngImages;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.Samplers;
import dev.localbedrock.engines.diffusion.Scheduler;
import dev.localbedrock.runtime.worker.WorkerThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Runs one diffusion model on its own thread: an {@link ImageStepPlanner} decides each step's jobs, and each step
 * runs every running image's rows through the UNet in one {@code predictNoise} call per latent size, so concurrent
 * requests share UNet batches instead of queueing behind each other. Each image then takes its own guidance and
 * scheduler step ({@link DenoisingState}, seeded with the image's own noise stream, so an image is the
 * same bit for bit whatever shares its UNet batches), and a finished request is decoded by the VAE and encoded as PNG.
 *
 * <p>A request without a sampler gets {@value #DEFAULT_SAMPLER}: Stability's API says only that it picks one, and
 * Euler is the scheduler SDXL exports name in {@code scheduler_config.json} (diffusers' default for the pipeline).
 * A request whose seed is 0 gets a random seed in {@code 1..}{@value #MAX_PICKED_SEED} (a signed 32-bit range, though
 * any seed up to {@code MAX_SEED} is accepted: LangChain4j's Bedrock Stability response class reads the seed into a
 * Java {@code int}, so a picked seed above it would fail that client's parsing); image {@code i} uses {@code seed + i},
 * wrapping past {@code MAX_SEED} to 1, and each artifact reports its seed. A {@code style_preset} is applied to the
 * prompts ({@link StylePresets}).
 *
 * <p>An engine exception fails the requests of the step (or decode) it happened in with ModelErrorException; the
 * worker goes on serving the others. Futures complete on this thread.
 */
public final class ImageWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImageWorker.class);
    /** The sampler of a request that names none. */
    public static final String DEFAULT_SAMPLER = "K_EULER";
    /** The largest seed this worker picks for a request whose seed is 0 (see the class comment). */
    static final int MAX_PICKED_SEED = Integer.MAX_VALUE;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String name;
    private final DiffusionModel model;
    private final DiffusionModelInfo info;
    private final ImageStepPlanner<Generation> planner;
    private final WorkerThread thread;
    private PromptEmbedding emptyPrompt;

    /** Starts the worker thread; the worker owns {@code model} from now on. */
    public ImageWorker(String name, DiffusionModel model, ImagePlannerLimits limits) {
        this(name, model, limits, System::nanoTime);
    }

    ImageWorker(String name, DiffusionModel model, ImagePlannerLimits limits, LongSupplier clock) {
        this.name = name;
        this.model = model;
        this.info = model.info();
        this.planner = new ImageStepPlanner<>(name, limits, clock);
        this.thread = new WorkerThread("image-" + name, this::loop);
        this.thread.start();
    }

    /** The model's shapes (its size multiple, for the responder's checks and the catalogue). */
    public DiffusionModelInfo info() {
        return info;
    }

    /** Requests waiting for admission. */
    public int queueLength() {
        return planner.queued();
    }

    /**
     * Queues a request. Cancelling the returned future (the client hung up) drops it at the next step boundary,
     * freeing its rows for the others.
     *
     * @throws InferenceFailure INVALID_REQUEST for a sampler this engine lacks or a size it cannot make, OVERLOADED
     *                          when the queue is full, UNAVAILABLE when the worker is shutting down
     */
    public CompletableFuture<ImageGenerationOutcome> submit(ImageGenerationRequest request) {
        if (thread.closing()) {
            throw new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The model " + name + " is shutting down.");
        }
        checkSize(request);
        String sampler = samplerName(request.sampler());
        try {
            Samplers.create(sampler, info.scheduler(), request.steps()); // refuses before the request waits
        } catch (IllegalArgumentException e) {
            throw InferenceFailure.invalid(e.getMessage());
        }
        long seed = request.randomSeed()
                ? ThreadLocalRandom.current().nextLong(1, MAX_PICKED_SEED + 1L) : request.seed();
        Generation generation = new Generation(request, sampler, seed);
        DenoisingJob<Generation> job = new DenoisingJob<>(generation, request.steps(), request.samples(),
                request.cfgScale() != 1.0);
        generation.future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                job.cancel();
                thread.wake();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        planner.offer(job);
        thread.wake();
        if (thread.closing() && !thread.isAlive()) { // raced with shutdown: nothing would plan it
            job.cancel();
            throw new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The model " + name + " is shutting down.");
        }
        return generation.future;
    }

    private void checkSize(ImageGenerationRequest request) {
        int multiple = info.sizeMultiple();
        if (request.size().width() % multiple != 0 || request.size().height() % multiple != 0) {
            throw InferenceFailure.invalid("The image size " + request.size() + " is not supported by " + name
                    + ": width and height must be multiples of " + multiple + ".");
        }
    }

    private static String samplerName(ImageSampler sampler) {
        return sampler == null ? DEFAULT_SAMPLER : sampler.name();
    }

    /** Image {@code i}'s seed: {@code seed + i}, wrapping past MAX_SEED to 1 (0 is not a seed). */
    static long seedOf(long seed, int image) {
        return Math.floorMod(seed - 1 + image, ImageGenerationRequest.MAX_SEED) + 1;
    }

    private void loop() {
        while (true) {
            if (thread.aborting()) {
                failAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The server is shutting down."));
                return;
            }
            ImageStepPlan<Generation> plan = planner.plan();
            for (ImageStepPlan.Retired<Generation> retired : plan.retired()) {
                retire(retired);
            }
            for (DenoisingJob<Generation> job : plan.admitted()) {
                start(job);
            }
            if (plan.hasNoStep()) {
                if (planner.isIdle()) {
                    if (thread.closing()) {
                        return;
                    }
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                continue;
            }
            step(plan.advancing());
        }
    }

    private void retire(ImageStepPlan.Retired<Generation> retired) {
        Generation generation = retired.job().attachment();
        switch (retired.reason()) {
            case FINISHED -> finish(generation);
            case CANCELLED -> generation.future.cancel(false); // no-op when the client cancelled; else already failed
            case TIMED_OUT, WAITED_TOO_LONG ->
                    generation.future.completeExceptionally(ImageFailures.of(retired.reason(), planner.limits()));
        }
    }

    /** Encodes the prompts and draws the initial latents of a job the planner just admitted. */
    private void start(DenoisingJob<Generation> job) {
        Generation g = job.attachment();
        if (job.isCancelled()) {
            return;
        }
        try {
            ImageGenerationRequest request = g.request;
            List<WeightedPrompt> prompts = StylePresets.styledPrompts(request.prompts(), request.stylePreset());
            List<WeightedPrompt> negatives = StylePresets.styledNegatives(request.negativePrompts(),
                    request.stylePreset());
            PromptEmbedding cond = prompts.isEmpty() ? empty() : blend(prompts);
            PromptEmbedding uncond = negatives.isEmpty() ? empty() : blend(negatives);
            g.latentHeight = request.size().height() / info.vaeScaleFactor();
            g.latentWidth = request.size().width() / info.vaeScaleFactor();
            int length = info.latentLength(g.latentHeight, g.latentWidth);
            for (int i = 0; i < request.samples(); i++) {
                Scheduler scheduler = Samplers.create(g.sampler, info.scheduler(), request.steps());
                long seed = seedOf(g.seed, i);
                g.seeds.add(seed);
                g.images.add(new DenoisingState(scheduler, new GaussianNoise(seed), length, cond, uncond,
                        request.cfgScale()));
            }
        } catch (RuntimeException e) {
            fail(job, e, "encode the prompts");
        }
    }

    private PromptEmbedding empty() {
        if (emptyPrompt == null) {
            emptyPrompt = model.emptyPrompt();
        }
        return emptyPrompt;
    }

    private PromptEmbedding blend(List<WeightedPrompt> prompts) {
        List<String> texts = new ArrayList<>(prompts.size());
        List<Double> weights = new ArrayList<>(prompts.size());
        for (WeightedPrompt p : prompts) {
            texts.add(p.text());
            weights.add(p.weight());
        }
        return PromptEmbedding.blend(model.encodePrompts(texts), weights);
    }

    /** One denoising step of every advancing job: one UNet call per latent size, then each image's own step. */
    private void step(List<ImageStepPlan.Advance<Generation>> advancing) {
        Map<Long, List<ImageStepPlan.Advance<Generation>>> bySize = new LinkedHashMap<>();
        for (ImageStepPlan.Advance<Generation> a : advancing) {
            Generation g = a.job().attachment();
            if (!a.job().isCancelled() && !g.future.isDone()) { // a cancelled job's rows are not computed
                bySize.computeIfAbsent(((long) g.latentHeight << 32) | g.latentWidth, k -> new ArrayList<>()).add(a);
            }
        }
        for (List<ImageStepPlan.Advance<Generation>> group : bySize.values()) {
            Generation first = group.get(0).job().attachment();
            List<DiffusionModel.UnetRow> rows = new ArrayList<>();
            for (ImageStepPlan.Advance<Generation> a : group) {
                for (DenoisingState image : a.job().attachment().images) {
                    rows.addAll(image.rows());
                }
            }
            try {
                float[][] eps = model.predictNoise(rows, first.latentHeight, first.latentWidth);
                if (eps.length != rows.size()) {
                    throw new IllegalStateException("the UNet returned " + eps.length + " predictions for "
                            + rows.size() + " rows");
                }
                int at = 0;
                for (ImageStepPlan.Advance<Generation> a : group) {
                    for (DenoisingState image : a.job().attachment().images) {
                        image.advance(Arrays.copyOfRange(eps, at, at + image.rowsPerStep()));
                        at += image.rowsPerStep();
                    }
                }
            } catch (RuntimeException | Error e) {
                for (ImageStepPlan.Advance<Generation> a : group) {
                    fail(a.job(), e, "denoise");
                }
            }
        }
    }

    /** Decodes a finished job's images; a non-finite latent becomes an ERROR artifact, the others PNGs. */
    private void finish(Generation g) {
        if (g.future.isDone()) {
            return;
        }
        try {
            List<float[]> latents = new ArrayList<>();
            for (DenoisingState image : g.images) {
                if (finite(image.latent())) {
                    latents.add(image.latent());
                }
            }
            byte[][] pixels = latents.isEmpty() ? new byte[0][]
                    : model.decode(latents, g.latentHeight, g.latentWidth);
            if (pixels.length != latents.size()) {
                throw new IllegalStateException("the VAE returned " + pixels.length + " images for " + latents.size()
                        + " latents");
            }
            int width = g.latentWidth * info.vaeScaleFactor();
            int height = g.latentHeight * info.vaeScaleFactor();
            List<ImageArtifact> artifacts = new ArrayList<>(g.images.size());
            int at = 0;
            for (int i = 0; i < g.images.size(); i++) {
                long seed = g.seeds.get(i);
                if (finite(g.images.get(i).latent())) {
                    artifacts.add(new ImageArtifact(seed, PngImages.encode(pixels[at++], width, height),
                            ImageFinishReason.SUCCESS));
                } else {
                    log.error("{} produced a non-finite latent for seed {}", name, seed);
                    artifacts.add(new ImageArtifact(seed, new byte[0], ImageFinishReason.ERROR));
                }
            }
            g.future.complete(new ImageGenerationOutcome(artifacts));
        } catch (RuntimeException | Error e) {
            log.error("decoding failed on {}", name, e);
            g.future.completeExceptionally(engineFailed("decode the image", e));
        }
    }

    private static boolean finite(float[] latent) {
        for (float v : latent) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** Fails a job with ModelErrorException and has the planner drop it at the next boundary. */
    private void fail(DenoisingJob<Generation> job, Throwable e, String what) {
        log.error("{} failed to {}; failing its request", name, what, e);
        job.attachment().future.completeExceptionally(engineFailed(what, e));
        job.cancel();
    }

    private static InferenceFailure engineFailed(String what, Throwable e) {
        return new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED, "The model failed to " + what + ": "
                + e.getMessage(), e);
    }

    private void failAll(InferenceFailure error) {
        for (DenoisingJob<Generation> job : planner.drain()) {
            job.attachment().future.completeExceptionally(error);
        }
    }

    /**
     * Stops admitting, lets accepted requests finish within {@code graceMillis}, fails the rest, then closes the
     * model.
     */
    public void shutdown(long graceMillis) {
        if (!thread.stop(graceMillis)) {
            log.warn("image worker {} did not stop; leaving its model open", name);
            return;
        }
        failAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "The server is shutting down."));
        try {
            model.close();
        } catch (RuntimeException e) {
            log.warn("closing image model {} failed", name, e);
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }

    /** One request's state on the scheduler thread (the planner's attachment). */
    private static final class Generation {
        final ImageGenerationRequest request;
        final String sampler;
        final long seed;
        final List<DenoisingState> images = new ArrayList<>();
        final List<Long> seeds = new ArrayList<>();
        CompletableFuture<ImageGenerationOutcome> future;
        int latentHeight;
        int latentWidth;

        Generation(ImageGenerationRequest request, String sampler, long seed) {
            this.request = request;
            this.sampler = sampler;
            this.seed = seed;
        }
    }
}
