package dev.localbedrock.engines.diffusion;

import java.util.Arrays;
import java.util.Locale;

/**
 * How N inference timesteps are picked out of the training timesteps ({@code timestep_spacing}; Table 2 of
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed", Lin et al. 2023).
 */
public enum TimestepSpacing {
    /** Evenly from 0 to the last training timestep, both ends included. */
    LINSPACE,
    /** Multiples of {@code train / N} counted up from 0, plus {@code steps_offset} (SD and SDXL exports). */
    LEADING,
    /** Multiples of {@code train / N} counted down from the last training timestep. */
    TRAILING;

    /** The {@code timestep_spacing} value as diffusers writes it. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TimestepSpacing fromConfig(String value) {
        for (TimestepSpacing spacing : values()) {
            if (spacing.configValue().equals(value)) {
                return spacing;
            }
        }
        throw new IllegalArgumentException("scheduler_config.json: timestep_spacing '" + value
                + "' is not supported; supported: " + Arrays.stream(values()).map(TimestepSpacing::configValue).toList());
    }

    /**
     * Integer timesteps in descending order, as diffusers' DDIM and DPM-Solver compute them (linspace rounded half to
     * even like numpy). Trailing spacing always gives {@code steps} values: numpy's {@code arange} adds a spurious
     * {@code -1} timestep for a few step counts (61, 103, 121, 122 with 1000 training steps), which is not reproduced.
     *
     * @param lastTimestep exclusive upper end: the training timestep count
     */
    static long[] integerTimesteps(TimestepSpacing spacing, int lastTimestep, int steps, int stepsOffset) {
        long[] timesteps = new long[steps];
        switch (spacing) {
            case LINSPACE -> {
                double step = (lastTimestep - 1) / (double) (steps - 1 == 0 ? 1 : steps - 1);
                for (int i = 0; i < steps; i++) {
                    double value = i == steps - 1 && steps > 1 ? lastTimestep - 1 : i * step;
                    timesteps[steps - 1 - i] = (long) Math.rint(value);
                }
            }
            case LEADING -> {
                int ratio = lastTimestep / steps;
                for (int i = 0; i < steps; i++) {
                    timesteps[steps - 1 - i] = (long) i * ratio + stepsOffset;
                }
            }
            case TRAILING -> {
                double ratio = lastTimestep / (double) steps;
                for (int i = 0; i < steps; i++) {
                    timesteps[i] = (long) Math.rint(lastTimestep - i * ratio) - 1;
                }
            }
        }
        return timesteps;
    }
}
