package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.InferenceFailure;

import java.util.function.LongSupplier;

/**
 * A provisioned model's throughput: N model units buy N × the unit's input and output tokens per minute, each a
 * {@link TokenBucket} holding one minute's worth. A request is admitted while both buckets hold more than nothing;
 * its prompt is charged when the model starts on it and its output when it ends, so one long request may overdraw a
 * bucket and the requests after it are throttled until the refill catches up (Bedrock: "requests above the
 * provisioned throughput are throttled to it"). Requests themselves are not counted: a provisioned model is bought
 * in tokens.
 */
public final class ProvisionedBudget implements UsageBudget {
    private final String name;
    private final int modelUnits;
    private final TokenBucket input;
    /** Null for a model that generates nothing (embeddings). */
    private final TokenBucket output;

    /**
     * @param name       the provisioned model's name, for the refusal
     * @param modelUnits its units, at least 1
     * @param unit       what one unit buys on its model
     */
    public ProvisionedBudget(String name, int modelUnits, ModelUnit unit, LongSupplier nanos) {
        if (modelUnits < 1) {
            throw new IllegalArgumentException("modelUnits must be at least 1");
        }
        this.name = name;
        this.modelUnits = modelUnits;
        this.input = new TokenBucket((long) modelUnits * unit.inputTokensPerMinute(), nanos);
        this.output = unit.outputTokensPerMinute() > 0
                ? new TokenBucket((long) modelUnits * unit.outputTokensPerMinute(), nanos) : null;
    }

    @Override
    public void admit() {
        if (!input.hasCredit()) {
            throw refusal("input", input.perMinute());
        }
        if (output != null && !output.hasCredit()) {
            throw refusal("output", output.perMinute());
        }
    }

    @Override
    public void refund() {
        // Admission takes nothing.
    }

    @Override
    public void chargeInput(long tokens) {
        input.charge(tokens);
    }

    @Override
    public void chargeOutput(long tokens) {
        if (output != null) {
            output.charge(tokens);
        }
    }

    @Override
    public void meet(UsageLedger ledger, boolean every) {
        // Keyed by ARN and units: an update to the units starts a fresh shared bucket, as it does a local one.
        String key = "provisioned/" + name + "/" + modelUnits;
        if (every || input.spentHalfItsShare()) {
            input.meet(ledger, key + "/input");
        }
        if (output != null && (every || output.spentHalfItsShare())) {
            output.meet(ledger, key + "/output");
        }
    }

    private InferenceFailure refusal(String kind, long perMinute) {
        return new InferenceFailure(InferenceFailure.Kind.OVERLOADED, "Too many tokens, please wait before trying "
                + "again. The provisioned model " + name + " (" + modelUnits + " model unit"
                + (modelUnits == 1 ? "" : "s") + ") has used its throughput of " + perMinute + " " + kind
                + " tokens per minute.");
    }
}
