package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.state.StoredCustomModel;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A custom model as GetCustomModel describes it: its own name and ARN, and the job that made it (whose
 * hyperparameters, data and metrics it reports).
 */
public record CustomModel(String arn, String name, Path weights, Instant creationTime, CustomizationJob job) {
    static CustomModel of(StoredCustomModel stored, CustomizationJob job) {
        return new CustomModel(stored.arn(), stored.name(), Path.of(stored.weightsDir()), stored.createdAt(), job);
    }
}
