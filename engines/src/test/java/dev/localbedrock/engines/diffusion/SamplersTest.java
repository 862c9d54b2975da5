package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplersTest {

    /** stabilityai/stable-diffusion-xl-base-1.0 scheduler/scheduler_config.json as published. */
    private static final String SDXL_JSON = """
            {
              "_class_name": "EulerDiscreteScheduler",
              "_diffusers_version": "0.19.0.dev0",
              "beta_end": 0.012,
              "beta_schedule": "scaled_linear",
              "beta_start": 0.00085,
              "clip_sample": false,
              "interpolation_type": "linear",
              "num_train_timesteps": 1000,
              "prediction_type": "epsilon",
              "sample_max_value": 1.0,
              "set_alpha_to_one": false,
              "skip_prk_steps": true,
              "steps_offset": 1,
              "timestep_spacing": "leading",
              "trained_betas": null,
              "use_karras_sigmas": false
            }
            """;

    @Test
    void readsTheSdxlExportConfig(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scheduler_config.json");
        Files.writeString(file, SDXL_JSON);
        assertEquals(SchedulerConfig.sdxl(), SchedulerConfig.read(file));
    }

    @Test
    void missingKeysTakeDiffusersDefaults() throws IOException {
        SchedulerConfig c = SchedulerConfig.parse("{}");
        assertEquals(1000, c.numTrainTimesteps());
        assertEquals(0.0001, c.betaStart());
        assertEquals(0.02, c.betaEnd());
        assertEquals("linear", c.betaSchedule());
        assertNull(c.timestepSpacing());
        assertTrue(c.clipSample());
        assertTrue(c.setAlphaToOne());
        // With no timestep_spacing, DDIM spaces leading and the others linspace, as their diffusers classes do.
        assertEquals(999, new EulerScheduler(c, 10).timesteps()[0]);
        assertEquals(900, new DdimScheduler(c, 10).timesteps()[0]);
    }

    @Test
    void refusesConfigsThatWouldSampleDifferently() {
        for (String json : new String[]{
                "{\"use_karras_sigmas\": true}", "{\"trained_betas\": [0.1, 0.2]}",
                "{\"prediction_type\": \"v_prediction\"}", "{\"beta_schedule\": \"squaredcos_cap_v2\"}",
                "{\"timestep_spacing\": \"karras\"}", "{\"interpolation_type\": \"log_linear\"}",
                "{\"rescale_betas_zero_snr\": true}", "{\"final_sigmas_type\": \"sigma_max\"}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse(json));
            String key = json.substring(2, json.indexOf('"', 2));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void namesMapToTheirSchedulers() {
        SchedulerConfig c = SchedulerConfig.sdxl();
        assertInstanceOf(EulerScheduler.class, Samplers.create("K_EULER", c, 30));
        assertInstanceOf(EulerAncestralScheduler.class, Samplers.create("K_EULER_ANCESTRAL", c, 30));
        assertInstanceOf(DdimScheduler.class, Samplers.create("DDIM", c, 30));
        assertInstanceOf(DpmSolverMultistepScheduler.class, Samplers.create("K_DPMPP_2M", c, 30));
        for (String name : Samplers.SUPPORTED) {
            assertEquals(name, Samplers.create(name, c, 10).samplerName());
        }
    }

    @Test
    void otherSamplersAreRefusedWithTheSupportedList() {
        for (String name : new String[]{"K_HEUN", "K_LMS", "DDPM", "K_DPM_2", "K_DPM_2_ANCESTRAL",
                "K_DPMPP_2S_ANCESTRAL", "nonsense"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Samplers.create(name, SchedulerConfig.sdxl(), 30));
            assertEquals("sampler '" + name + "' is not supported; supported samplers: "
                    + "DDIM, K_DPMPP_2M, K_EULER, K_EULER_ANCESTRAL", e.getMessage());
        }
    }

    @Test
    void stepCountsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Samplers.create("K_EULER", SchedulerConfig.sdxl(), 0));
        assertThrows(IllegalArgumentException.class, () -> Samplers.create("DDIM", SchedulerConfig.sdxl(), 1001));
        Scheduler euler = Samplers.create("K_EULER", SchedulerConfig.sdxl(), 10);
        assertThrows(IllegalArgumentException.class, () -> euler.step(new float[2], 10, new float[2], null));
        assertThrows(IllegalArgumentException.class, () -> euler.step(new float[2], 0, new float[3], null));
    }
}
