package dev.localbedrock.engines.diffusion;

import java.util.List;
import java.util.Locale;

/** Schedulers by Stability's {@code sampler} names. */
public final class Samplers {

    /** The sampler names {@link #create} accepts, sorted. */
    public static final List<String> SUPPORTED = List.of("DDIM", "K_DPMPP_2M", "K_EULER", "K_EULER_ANCESTRAL");

    private Samplers() {
    }

    /**
     * A fresh scheduler for one generation of {@code steps} steps.
     *
     * @throws IllegalArgumentException for a sampler outside {@link #SUPPORTED} (Stability also names DDPM, K_DPM_2,
     *                                  K_DPM_2_ANCESTRAL, K_DPMPP_2S_ANCESTRAL, K_HEUN and K_LMS), with the supported
     *                                  list in the message, or for a step count out of range
     */
    public static Scheduler create(String sampler, SchedulerConfig config, int steps) {
        String name = sampler == null ? "" : sampler.toUpperCase(Locale.ROOT);
        return switch (name) {
            case "K_EULER" -> new EulerScheduler(config, steps);
            case "K_EULER_ANCESTRAL" -> new EulerAncestralScheduler(config, steps);
            case "DDIM" -> new DdimScheduler(config, steps);
            case "K_DPMPP_2M" -> new DpmSolverMultistepScheduler(config, steps);
            default -> throw new IllegalArgumentException(
                    "sampler '" + sampler + "' is not supported; supported samplers: " + String.join(", ", SUPPORTED));
        };
    }
}
