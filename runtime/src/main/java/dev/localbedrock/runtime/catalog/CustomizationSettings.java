package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;
import java.util.List;

/**
 * Model customization (models.yaml {@code customization:}): where custom models' weights are kept and how much of
 * the machine training may use, so that fine-tuning cannot starve serving.
 *
 * @param modelsDir         where each custom model's merged checkpoint is written ({@code models_dir}, default
 *                          {@code <cache_dir>/custom-models})
 * @param maxConcurrentJobs jobs training at once ({@code max_concurrent_jobs}, default 2, Bedrock's quota of jobs
 *                          in progress per account); a job past it is refused with ServiceQuotaExceededException
 * @param trainingThreads   libtorch intra-op threads of each training job ({@code training_threads}, default half
 *                          the cores, at least 1)
 * @param device            where training runs ({@code device}: {@code cpu}, {@code cuda}, {@code cuda:N})
 * @param method            {@code lora} (default: adapters on the attention and MLP projections, merged into the
 *                          custom model's weights) or {@code full} (every weight trained; small models)
 * @param loraRank          the adapters' rank ({@code lora_rank}, default 16)
 * @param loraAlpha         the adapters' scale numerator ({@code lora_alpha}, default 32: updates scaled alpha/rank)
 * @param maxCustomModels   custom models kept at once ({@code max_custom_models}, default 100, Bedrock's quota)
 */
public record CustomizationSettings(Path modelsDir, int maxConcurrentJobs, int trainingThreads, String device,
                                    String method, int loraRank, double loraAlpha, int maxCustomModels) {
    public static final List<String> METHODS = List.of("lora", "full");
    static final String DEFAULT_DIR = "custom-models";

    /** The defaults, with custom models under {@code cacheDir/custom-models}. */
    public static CustomizationSettings under(Path cacheDir) {
        return new CustomizationSettings(cacheDir.resolve(DEFAULT_DIR).toAbsolutePath().normalize(), 2,
                defaultThreads(), "cpu", "lora", 16, 32, 100);
    }

    static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
