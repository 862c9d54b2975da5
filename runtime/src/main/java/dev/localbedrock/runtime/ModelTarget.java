package dev.localbedrock.runtime;

import dev.localbedrock.runtime.quota.UsageBudget;

import java.util.Objects;

/**
 * What a client's model identifier resolves to: the served model that runs it, and whose capacity the request uses.
 *
 * @param model       the served model (codec, worker)
 * @param capacityTag the reserved capacity the request runs under (a provisioned throughput's id), or null for
 *                    on-demand; the scheduler's {@link dev.localbedrock.runtime.generation.AdmissionPolicy} reads it
 * @param budget      what the request's usage counts against: the model's on-demand quota, or the provisioned
 *                    model's throughput; null when unlimited
 */
public record ModelTarget(ServedModel model, String capacityTag, UsageBudget budget) {
    public ModelTarget {
        Objects.requireNonNull(model, "model");
    }

    /** On-demand use of a served model. */
    public static ModelTarget onDemand(ServedModel model) {
        return new ModelTarget(model, null, model.onDemandQuota());
    }
}
