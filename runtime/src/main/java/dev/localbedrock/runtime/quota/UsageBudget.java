package dev.localbedrock.runtime.quota;

/**
 * What a request's usage is counted against: a model's on-demand {@link QuotaLimiter}, or a provisioned model's
 * {@link ProvisionedBudget}. A request is admitted first (refused with ThrottlingException when the budget is
 * spent), then charged its tokens as they become known; one refused further on, before it ran, is refunded.
 * Thread-safe and non-blocking.
 */
public interface UsageBudget {

    /**
     * Admits one request.
     *
     * @throws dev.localbedrock.codecs.inference.InferenceFailure OVERLOADED (ThrottlingException), naming the limit,
     *                                                            when the budget is spent; nothing is taken then
     */
    void admit();

    /** Gives back what {@link #admit} took, for a request that was refused further on and never ran. */
    void refund();

    /** Charges prompt tokens the model processed. */
    void chargeInput(long tokens);

    /** Charges tokens the model generated. */
    void chargeOutput(long tokens);

    /**
     * Meets the replicas' shared {@link UsageLedger}: sends what this replica's buckets took and takes their shares
     * of the shared levels as theirs. Called by {@link LedgerSync} only.
     *
     * @param every whether every bucket meets (a round is due) or only those that spent half their share since
     *              they last met
     */
    void meet(UsageLedger ledger, boolean every);
}
