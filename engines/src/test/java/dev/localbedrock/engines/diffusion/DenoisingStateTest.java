package dev.localbedrock.engines.diffusion;

import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-image step maths, against the scheduler loop written out by hand with a stand-in UNet. */
class DenoisingStateTest {
    private static final int LENGTH = 4 * 2 * 3;
    private static final PromptEmbedding COND = new PromptEmbedding(new float[]{0.75f}, new float[]{0.5f});
    private static final PromptEmbedding UNCOND = new PromptEmbedding(new float[]{-0.25f}, new float[]{0f});

    /** A deterministic stand-in for the UNet: depends on the sample, the timestep and the prompt. */
    private static float[] fakeEps(UnetRow row) {
        float[] eps = new float[row.sample().length];
        for (int i = 0; i < eps.length; i++) {
            eps[i] = (float) Math.sin(row.sample()[i] * 0.3 + row.timestep() * 1e-3 + i)
                    * row.prompt().hidden()[0];
        }
        return eps;
    }

    private static float[] runState(DenoisingState state) {
        while (!state.done()) {
            List<UnetRow> rows = state.rows();
            float[][] eps = new float[rows.size()][];
            for (int i = 0; i < eps.length; i++) {
                eps[i] = fakeEps(rows.get(i));
            }
            state.advance(eps);
        }
        return state.latent();
    }

    /** The loop of {@link Scheduler}'s comment, by hand. */
    private static float[] byHand(String sampler, long seed, double cfg) {
        Scheduler scheduler = Samplers.create(sampler, SchedulerConfig.sdxl(), 4);
        GaussianNoise noise = new GaussianNoise(seed);
        float[] latent = noise.next(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            latent[i] *= (float) scheduler.initNoiseSigma();
        }
        float[] t = scheduler.timesteps();
        for (int s = 0; s < scheduler.steps(); s++) {
            float[] in = scheduler.scaleModelInput(latent, s);
            float[] cond = fakeEps(new UnetRow(in, t[s], COND));
            float[] eps = cfg == 1 ? cond : Guidance.classifierFree(fakeEps(new UnetRow(in, t[s], UNCOND)), cond, cfg);
            latent = scheduler.step(eps, s, latent, noise);
        }
        return latent;
    }

    private static DenoisingState state(String sampler, long seed, double cfg, PromptEmbedding uncond) {
        return new DenoisingState(Samplers.create(sampler, SchedulerConfig.sdxl(), 4), new GaussianNoise(seed), LENGTH,
                COND, uncond, cfg);
    }

    @Test
    void matchesTheSchedulerLoopForEverySampler() {
        for (String sampler : Samplers.SUPPORTED) {
            for (double cfg : new double[]{1.0, 7.0}) {
                assertArrayEquals(byHand(sampler, 11, cfg), runState(state(sampler, 11, cfg, UNCOND)),
                        sampler + " cfg " + cfg);
            }
        }
    }

    @Test
    void cfgOneRunsOnlyTheConditionalRowAndNeedsNoUnconditionalPrompt() {
        DenoisingState guided = state("K_EULER", 3, 7.0, UNCOND);
        List<UnetRow> rows = guided.rows();
        assertEquals(2, rows.size());
        assertSame(UNCOND, rows.get(0).prompt());
        assertSame(COND, rows.get(1).prompt());
        assertSame(rows.get(0).sample(), rows.get(1).sample());

        DenoisingState plain = state("K_EULER", 3, 1.0, null);
        assertFalse(plain.guided());
        assertEquals(List.of(COND), plain.rows().stream().map(UnetRow::prompt).toList());
        // the conditional path alone equals the guided loop's cond branch at scale 1
        assertArrayEquals(runState(state("K_EULER", 3, 1.0, UNCOND)), runState(plain));
        assertThrows(NullPointerException.class, () -> state("K_EULER", 3, 2.0, null));
    }

    @Test
    void stepsEndAndMisuseIsRefused() {
        DenoisingState s = state("DDIM", 5, 7.0, UNCOND);
        assertThrows(IllegalArgumentException.class, () -> s.advance(new float[1][LENGTH]));
        runState(s);
        assertTrue(s.done());
        assertEquals(4, s.step());
        assertThrows(IllegalStateException.class, s::rows);
        assertThrows(IllegalArgumentException.class, () -> state("DDIM", 5, Double.NaN, UNCOND));
    }
}
