package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * A custom model: the job that made it (which holds everything GetCustomModel reports about its training) and the
 * folder its merged weights were written to.
 */
public record StoredCustomModel(String arn, String name, String jobArn, String weightsDir, Instant createdAt) {
    public StoredCustomModel {
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jobArn, "jobArn");
        Objects.requireNonNull(weightsDir, "weightsDir");
        createdAt = Timestamps.normalize(createdAt);
    }
}
