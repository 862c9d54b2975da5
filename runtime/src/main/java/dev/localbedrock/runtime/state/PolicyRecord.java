package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * An identity policy attached to a principal.
 *
 * @param principalName the principal
 * @param policyName its name, unique per principal
 * @param document the policy JSON as given (validated before it was stored)
 * @param attachedAt when it was attached (or last replaced)
 */
public record PolicyRecord(String principalName, String policyName, String document, Instant attachedAt) {
    public PolicyRecord {
        Objects.requireNonNull(principalName, "principalName");
        Objects.requireNonNull(policyName, "policyName");
        Objects.requireNonNull(document, "document");
        attachedAt = Timestamps.normalize(Objects.requireNonNull(attachedAt, "attachedAt"));
    }
}
