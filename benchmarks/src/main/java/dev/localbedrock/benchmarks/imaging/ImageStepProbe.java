package dev.localbedrock.benchmarks.imaging;

import dev.localbedrock.engines.diffusion.DenoisingState;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.DiffusionModelInfo;
import dev.localbedrock.engines.diffusion.PngImages;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.TextToImage;

import java.util.ArrayList;
import java.util.List;

/**
 * Times the parts of text-to-image generation on one loaded pipeline, for a request of {@code images} images with
 * classifier-free guidance (so every step is one UNet call over {@code 2 × images} rows): prompt encoding, one
 * denoising step (the UNet call plus every image's guidance and scheduler update), VAE decoding and PNG encoding.
 * The per-image time at {@code steps} steps is then encode + steps × step + decode + PNG, divided by the images:
 * it is computed from measured parts rather than run whole, because a full run of a 512 × 512 SD-shaped UNet on a
 * few CPU cores takes many minutes, and each part's time does not depend on how many steps came before it.
 */
public final class ImageStepProbe {

    /** Seconds per part (medians of the measured repetitions), and the images they were measured for. */
    public record Result(int images, int rows, double encodeSeconds, double stepSeconds, double decodeSeconds,
                         double pngSeconds) {
        /** Seconds one image costs in a request of {@link #images} images at {@code steps} steps. */
        public double secondsPerImage(int steps) {
            return (encodeSeconds + steps * stepSeconds + decodeSeconds + pngSeconds) / images;
        }
    }

    private ImageStepProbe() {
    }

    /**
     * @param warmup    unmeasured repetitions of each part first
     * @param measured  measured repetitions of each part (the median is reported)
     */
    public static Result run(DiffusionModel model, int width, int height, int images, int warmup, int measured) {
        DiffusionModelInfo info = model.info();
        int latentHeight = height / info.vaeScaleFactor();
        int latentWidth = width / info.vaeScaleFactor();
        String prompt = "a lighthouse on a cliff at dawn, oil painting";
        double[] encode = time(warmup, measured, () -> model.encodePrompts(List.of(prompt)));
        PromptEmbedding cond = model.encodePrompts(List.of(prompt)).get(0);
        TextToImage.Request request = new TextToImage.Request(cond, model.emptyPrompt(), 7, 1000, "K_EULER", 1,
                width, height, images);
        List<DenoisingState> states = TextToImage.start(info, request, latentHeight, latentWidth);
        int[] rows = {0};
        double[] step = time(warmup, measured, () -> {
            List<DiffusionModel.UnetRow> batch = new ArrayList<>();
            for (DenoisingState s : states) {
                batch.addAll(s.rows());
            }
            rows[0] = batch.size();
            float[][] eps = model.predictNoise(batch, latentHeight, latentWidth);
            int at = 0;
            for (DenoisingState s : states) {
                float[][] own = new float[s.rowsPerStep()][];
                System.arraycopy(eps, at, own, 0, own.length);
                s.advance(own);
                at += own.length;
            }
        });
        List<float[]> latents = new ArrayList<>();
        for (DenoisingState s : states) {
            latents.add(s.latent());
        }
        byte[][][] rgb = new byte[1][][];
        double[] decode = time(warmup, measured, () -> rgb[0] = model.decode(latents, latentHeight, latentWidth));
        double[] png = time(warmup, measured, () -> {
            for (byte[] image : rgb[0]) {
                PngImages.encode(image, width, height);
            }
        });
        return new Result(images, rows[0], median(encode), median(step), median(decode), median(png));
    }

    /**
     * Seconds one whole request of {@code images} images at {@code steps} steps takes, encode to PNG, as
     * {@link TextToImage#generate} runs it: the check on {@link Result#secondsPerImage}.
     */
    public static double wholeRequestSeconds(DiffusionModel model, int width, int height, int images, int steps) {
        PromptEmbedding cond = model.encodePrompts(List.of("a lighthouse on a cliff at dawn, oil painting")).get(0);
        long start = System.nanoTime();
        TextToImage.generate(model, new TextToImage.Request(cond, model.emptyPrompt(), 7, steps, "K_EULER", 1, width,
                height, images));
        return (System.nanoTime() - start) / 1e9;
    }

    private static double[] time(int warmup, int measured, Runnable part) {
        for (int i = 0; i < warmup; i++) {
            part.run();
        }
        double[] seconds = new double[measured];
        for (int i = 0; i < measured; i++) {
            long start = System.nanoTime();
            part.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
