package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * One provisioned throughput, as stored. The desired model and units differ from the current ones while an update
 * is in progress.
 *
 * @param arn                  its ARN (the key)
 * @param name                 its name, unique
 * @param modelId              the model it serves now
 * @param modelUnits           the model units it has now
 * @param desiredModelId       the model it is being moved to (= modelId when not updating)
 * @param desiredModelUnits    the units it is being moved to (= modelUnits when not updating)
 * @param status               where it is in its lifecycle
 * @param commitmentDuration   "OneMonth" or "SixMonths", or null for no commitment
 * @param commitmentExpiration when the commitment ends, or null
 * @param failureMessage       why it failed, or null
 * @param createdAt            creation time (kept to the millisecond, like every instant here)
 * @param lastModifiedAt       last change
 * @param clientRequestToken   the create call's idempotency token, unique when present, or null
 */
public record ProvisionedModel(String arn, String name, String modelId, int modelUnits, String desiredModelId,
                               int desiredModelUnits, ProvisionedModelStatus status, String commitmentDuration,
                               Instant commitmentExpiration, String failureMessage, Instant createdAt,
                               Instant lastModifiedAt, String clientRequestToken) {
    public ProvisionedModel {
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(desiredModelId, "desiredModelId");
        Objects.requireNonNull(status, "status");
        commitmentExpiration = Timestamps.normalize(commitmentExpiration);
        createdAt = Timestamps.normalize(Objects.requireNonNull(createdAt, "createdAt"));
        lastModifiedAt = Timestamps.normalize(Objects.requireNonNull(lastModifiedAt, "lastModifiedAt"));
    }
}
