package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a foundation model's access has been granted (the console's "model access" page).
 *
 * @param modelId   the foundation model id
 * @param granted   access granted (true) or revoked/not granted (false)
 * @param updatedAt when it last changed (kept to the millisecond)
 */
public record ModelAccess(String modelId, boolean granted, Instant updatedAt) {
    public ModelAccess {
        Objects.requireNonNull(modelId, "modelId");
        updatedAt = Timestamps.normalize(Objects.requireNonNull(updatedAt, "updatedAt"));
    }
}
