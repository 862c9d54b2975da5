package dev.localbedrock.runtime.imaging;

import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.DiffusionModelInfo;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.SchedulerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A diffusion model of simple deterministic arithmetic with SDXL's scheduler config: ε depends only on the row's own
 * sample, timestep and prompt, so any difference between an image made alone and one made beside others comes from
 * the worker. It records every UNet batch and can hold a call until a test releases it.
 */
public final class FakeDiffusionModel implements DiffusionModel {
    /** A UNet call as the worker made it: the prompt marker of each row, and the latent size. */
    public record Batch(List<Float> promptMarks, int latentHeight, int latentWidth) {
    }

    static final DiffusionModelInfo INFO = new DiffusionModelInfo(4, 8, 8, 1, 2, 1, SchedulerConfig.sdxl(), "fake");

    public final List<Batch> batches = new CopyOnWriteArrayList<>();
    /** predictNoise calls that entered (released or not). */
    final Semaphore entered = new Semaphore(0);
    private final Semaphore gate = new Semaphore(0);
    private volatile boolean holding;
    volatile boolean failNextCall;
    volatile boolean closed;

    /** From now on every UNet call waits for a {@link #release}. */
    void hold() {
        holding = true;
    }

    void releaseAll() {
        holding = false;
        gate.release(1_000);
    }

    void awaitCalls(int calls) throws InterruptedException {
        if (!entered.tryAcquire(calls, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("the worker made fewer than " + calls + " more UNet calls");
        }
    }

    @Override
    public DiffusionModelInfo info() {
        return INFO;
    }

    /** A prompt's marker is its length; "nan" conditions the UNet into NaN. */
    @Override
    public List<PromptEmbedding> encodePrompts(List<String> texts) {
        List<PromptEmbedding> out = new ArrayList<>();
        for (String text : texts) {
            float mark = text.equals("nan") ? Float.NaN : text.length();
            out.add(new PromptEmbedding(new float[]{mark, 1}, new float[]{mark}));
        }
        return out;
    }

    @Override
    public PromptEmbedding emptyPrompt() {
        return new PromptEmbedding(new float[2], new float[1]);
    }

    @Override
    public float[][] predictNoise(List<UnetRow> rows, int latentHeight, int latentWidth) {
        List<Float> marks = new ArrayList<>();
        rows.forEach(r -> marks.add(r.prompt().hidden()[0]));
        batches.add(new Batch(marks, latentHeight, latentWidth));
        entered.release();
        if (holding) {
            gate.acquireUninterruptibly();
        }
        if (failNextCall) {
            failNextCall = false;
            throw new IllegalStateException("simulated UNet failure");
        }
        float[][] eps = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            UnetRow row = rows.get(r);
            float[] e = new float[row.sample().length];
            for (int i = 0; i < e.length; i++) {
                e[i] = 0.5f * row.sample()[i] + 0.01f * row.prompt().hidden()[0] + row.timestep() * 1e-4f;
            }
            eps[r] = e;
        }
        return eps;
    }

    /** Each pixel shows the first three channels of its latent cell, mapped from [-1, 1] to 0..255. */
    @Override
    public byte[][] decode(List<float[]> latents, int latentHeight, int latentWidth) {
        int height = latentHeight * 8;
        int width = latentWidth * 8;
        int plane = latentHeight * latentWidth;
        byte[][] out = new byte[latents.size()][];
        for (int n = 0; n < latents.size(); n++) {
            float[] latent = latents.get(n);
            byte[] rgb = new byte[3 * width * height];
            for (int y = 0, at = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < 3; c++) {
                        float v = latent[c * plane + (y / 8) * latentWidth + x / 8];
                        rgb[at++] = (byte) Math.max(0, Math.min(255, Math.round((v + 1) * 127.5f)));
                    }
                }
            }
            out[n] = rgb;
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
