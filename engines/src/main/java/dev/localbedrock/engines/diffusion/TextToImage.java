package dev.localbedrock.engines.diffusion;

import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The reference text-to-image loop for one request over a {@link DiffusionModel}: one {@link DenoisingState} per
 * image (noise from {@code GaussianNoise(seed + i)} for image {@code i}), one UNet call per step for all images'
 * rows together, then the VAE and PNG. The same request gives the same bytes every time on the same model and device.
 */
public final class TextToImage {
    private TextToImage() {
    }

    /**
     * One generation request.
     *
     * @param prompt   the conditioning (e.g. {@link PromptEmbedding#blend} of the weighted prompts)
     * @param negative the unconditional branch ({@link DiffusionModel#emptyPrompt()} when the request has none)
     * @param cfgScale guidance scale; 1 runs the conditional branch only
     * @param steps    sampling steps
     * @param sampler  a {@link Samplers#SUPPORTED} name
     * @param seed     image {@code i} uses seed {@code seed + i}
     * @param width    pixels, a multiple of {@link DiffusionModelInfo#sizeMultiple()}
     * @param height   pixels, likewise
     * @param samples  images to make
     */
    public record Request(PromptEmbedding prompt, PromptEmbedding negative, double cfgScale, int steps, String sampler,
                          long seed, int width, int height, int samples) {
        public Request {
            Objects.requireNonNull(prompt, "prompt");
            if (samples < 1) {
                throw new IllegalArgumentException("samples must be at least 1, got " + samples);
            }
        }
    }

    /** The request's images as PNG bytes, in sample order. */
    public static List<byte[]> generate(DiffusionModel model, Request request) {
        DiffusionModelInfo info = model.info();
        int multiple = info.sizeMultiple();
        if (request.width() < multiple || request.height() < multiple
                || request.width() % multiple != 0 || request.height() % multiple != 0) {
            throw new IllegalArgumentException("width and height must be positive multiples of " + multiple
                    + ", got " + request.width() + "×" + request.height());
        }
        int latentHeight = request.height() / info.vaeScaleFactor();
        int latentWidth = request.width() / info.vaeScaleFactor();
        List<DenoisingState> states = start(info, request, latentHeight, latentWidth);
        int steps = states.get(0).steps();
        for (int s = 0; s < steps; s++) {
            List<UnetRow> rows = new ArrayList<>();
            for (DenoisingState state : states) {
                rows.addAll(state.rows());
            }
            float[][] eps = model.predictNoise(rows, latentHeight, latentWidth);
            int at = 0;
            for (DenoisingState state : states) {
                int n = state.rowsPerStep();
                float[][] own = new float[n][];
                System.arraycopy(eps, at, own, 0, n);
                state.advance(own);
                at += n;
            }
        }
        List<float[]> latents = new ArrayList<>(states.size());
        for (DenoisingState state : states) {
            latents.add(state.latent());
        }
        byte[][] rgb = model.decode(latents, latentHeight, latentWidth);
        List<byte[]> pngs = new ArrayList<>(rgb.length);
        for (byte[] image : rgb) {
            pngs.add(PngImages.encode(image, request.width(), request.height()));
        }
        return pngs;
    }

    /** The states of a request's images, before any step. */
    public static List<DenoisingState> start(DiffusionModelInfo info, Request request, int latentHeight,
                                             int latentWidth) {
        List<DenoisingState> states = new ArrayList<>(request.samples());
        for (int i = 0; i < request.samples(); i++) {
            Scheduler scheduler = Samplers.create(request.sampler(), info.scheduler(), request.steps());
            states.add(new DenoisingState(scheduler, new GaussianNoise(request.seed() + i),
                    info.latentLength(latentHeight, latentWidth), request.prompt(), request.negative(),
                    request.cfgScale()));
        }
        return states;
    }
}
