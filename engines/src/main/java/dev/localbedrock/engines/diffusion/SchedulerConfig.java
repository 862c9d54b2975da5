package dev.localbedrock.engines.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The keys of a diffusers {@code scheduler/scheduler_config.json} that the supported samplers read. A pipeline export
 * names one scheduler class; the other samplers are built from the same keys, as diffusers'
 * {@code Scheduler.from_config(pipe.scheduler.config)} does.
 *
 * <p>Missing keys take diffusers' class defaults. Options that would change the noise schedule in ways not
 * implemented here ({@code trained_betas}, {@code rescale_betas_zero_snr}, {@code use_karras_sigmas}, a non-linear
 * {@code interpolation_type}) are refused rather than ignored, so an export never silently samples differently.
 *
 * @param numTrainTimesteps {@code num_train_timesteps}
 * @param betaStart         {@code beta_start}
 * @param betaEnd           {@code beta_end}
 * @param betaSchedule      {@code beta_schedule}: {@code linear} or {@code scaled_linear}
 * @param predictionType    {@code prediction_type}: only {@code epsilon}
 * @param timestepSpacing   {@code timestep_spacing}, or {@code null} when absent: each scheduler then uses its
 *                          diffusers default (linspace, except DDIM's leading)
 * @param stepsOffset       {@code steps_offset}, added to leading timesteps
 * @param finalSigmasType   {@code final_sigmas_type}: {@code zero} or {@code sigma_min} (Euler and DPM-Solver)
 * @param clipSample        {@code clip_sample} (DDIM clamps its x0 prediction; diffusers' DDIM default is true)
 * @param clipSampleRange   {@code clip_sample_range}
 * @param setAlphaToOne     {@code set_alpha_to_one} (DDIM's ᾱ after the last step: 1, or ᾱ at timestep 0)
 * @param lowerOrderFinal   {@code lower_order_final} (DPM-Solver: first-order last step below 15 steps)
 * @param eulerAtFinal      {@code euler_at_final} (DPM-Solver: always a first-order last step)
 */
public record SchedulerConfig(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
                              String predictionType, TimestepSpacing timestepSpacing, int stepsOffset,
                              String finalSigmasType, boolean clipSample, double clipSampleRange,
                              boolean setAlphaToOne, boolean lowerOrderFinal, boolean eulerAtFinal) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw invalid("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1)) {
            throw invalid("beta_start and beta_end must satisfy 0 < beta_start <= beta_end < 1, got "
                    + betaStart + " and " + betaEnd);
        }
        if (!betaSchedule.equals("linear") && !betaSchedule.equals("scaled_linear")) {
            throw invalid("beta_schedule '" + betaSchedule + "' is not supported; supported: [linear, scaled_linear]");
        }
        if (!predictionType.equals("epsilon")) {
            throw invalid("prediction_type '" + predictionType + "' is not supported; supported: [epsilon]");
        }
        if (!finalSigmasType.equals("zero") && !finalSigmasType.equals("sigma_min")) {
            throw invalid("final_sigmas_type '" + finalSigmasType + "' is not supported; supported: [zero, sigma_min]");
        }
        if (stepsOffset < 0) {
            throw invalid("steps_offset must be >= 0, got " + stepsOffset);
        }
    }

    /** Stable Diffusion XL base 1.0's published scheduler_config.json. */
    public static SchedulerConfig sdxl() {
        return new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon", TimestepSpacing.LEADING, 1,
                "zero", false, 1.0, false, true, false);
    }

    public static SchedulerConfig read(Path schedulerConfigJson) throws IOException {
        try (InputStream in = Files.newInputStream(schedulerConfigJson)) {
            return parse(JSON.readTree(in));
        }
    }

    public static SchedulerConfig parse(String json) throws IOException {
        return parse(JSON.readTree(json));
    }

    static SchedulerConfig parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw invalid("expected a JSON object");
        }
        JsonNode trained = node.path("trained_betas");
        if (!trained.isMissingNode() && !trained.isNull()) {
            throw invalid("trained_betas is not supported; use beta_start, beta_end and beta_schedule");
        }
        refuseTrue(node, "rescale_betas_zero_snr");
        refuseTrue(node, "use_karras_sigmas");
        refuseTrue(node, "use_exponential_sigmas");
        refuseTrue(node, "use_beta_sigmas");
        refuseTrue(node, "thresholding");
        String interpolation = node.path("interpolation_type").asText("linear");
        if (!interpolation.equals("linear")) {
            throw invalid("interpolation_type '" + interpolation + "' is not supported; supported: [linear]");
        }
        JsonNode spacing = node.path("timestep_spacing");
        return new SchedulerConfig(
                node.path("num_train_timesteps").asInt(1000),
                node.path("beta_start").asDouble(0.0001),
                node.path("beta_end").asDouble(0.02),
                node.path("beta_schedule").asText("linear"),
                node.path("prediction_type").asText("epsilon"),
                spacing.isMissingNode() || spacing.isNull() ? null : TimestepSpacing.fromConfig(spacing.asText()),
                node.path("steps_offset").asInt(0),
                node.path("final_sigmas_type").asText("zero"),
                node.path("clip_sample").asBoolean(true),
                node.path("clip_sample_range").asDouble(1.0),
                node.path("set_alpha_to_one").asBoolean(true),
                node.path("lower_order_final").asBoolean(true),
                node.path("euler_at_final").asBoolean(false));
    }

    /** The spacing to use: the configured one, or the scheduler's diffusers default. */
    TimestepSpacing spacingOr(TimestepSpacing schedulerDefault) {
        return timestepSpacing == null ? schedulerDefault : timestepSpacing;
    }

    private static void refuseTrue(JsonNode node, String key) {
        if (node.path(key).asBoolean(false)) {
            throw invalid(key + " = true is not supported");
        }
    }

    private static IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException("scheduler_config.json: " + message);
    }
}
