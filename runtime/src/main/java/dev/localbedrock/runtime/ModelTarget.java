package dev.localbedrock.runtime;

import java.util.Objects;

/**
 * What a client's model identifier resolves to: the served model that runs it, and whose capacity the request uses.
 *
 * @param model       the served model (codec, worker)
 * @param capacityTag the reserved capacity the request runs under (a provisioned throughput's id), or null for
 *                    on-demand; the scheduler's {@link dev.localbedrock.runtime.generation.AdmissionPolicy} reads it
 */
public record ModelTarget(ServedModel model, String capacityTag) {
    public ModelTarget {
        Objects.requireNonNull(model, "model");
    }

    /** On-demand use of a served model. */
    public static ModelTarget onDemand(ServedModel model) {
        return new ModelTarget(model, null);
    }
}
