package dev.localbedrock.engines.diffusion;

/** Argument checks shared by the schedulers. */
final class StepChecks {

    private StepChecks() {
    }

    static void steps(int steps, int trainTimesteps) {
        if (steps < 1 || steps > trainTimesteps) {
            throw new IllegalArgumentException(
                    "steps must be between 1 and " + trainTimesteps + " (num_train_timesteps), got " + steps);
        }
    }

    static void index(int stepIndex, int steps) {
        if (stepIndex < 0 || stepIndex >= steps) {
            throw new IllegalArgumentException("step index must be between 0 and " + (steps - 1) + ", got " + stepIndex);
        }
    }

    static void sameLength(float[] modelOutput, float[] sample) {
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("model output has " + modelOutput.length
                    + " values but the sample has " + sample.length);
        }
    }

    static float[] toFloats(long[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
