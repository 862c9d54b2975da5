package dev.localbedrock.runtime.generation;

import java.util.List;

/**
 * Decides each step's batch from token counts alone (it never sees a tensor or a token id), vLLM-style: one token
 * budget, no separate prefill and decode phases.
 *
 * <ol>
 *   <li>The step's budget is {@code maxTokensPerStep}, or {@code reservedStepTokens} while any sequence of a
 *       request with a reservation ({@link CapacityReservations}) is decoding: a provisioned model's inter-token
 *       latency is one forward pass of at most that many tokens, however long the on-demand prompts are.</li>
 *   <li>Every decoding sequence gets 1 token. Because both budgets are at least {@code maxRunningSequences}, they
 *       always fit: a running decode is never skipped.</li>
 *   <li>Sequences still in their prompt get {@code min(remaining prompt, budget left)} tokens: those of reserved
 *       requests first, then the others, oldest first within each (chunked prefill: a long prompt is spread over as
 *       many steps as it needs).</li>
 *   <li>Waiting requests, in the queue's order (reserved first, then the policy's priority, then arrival), are
 *       considered while the step has budget left. A request needing N sequences and K KV tokens (N × (prompt + max
 *       new tokens)) starts when:
 *       <ol>
 *         <li>the batch has room for all N and the KV ledger can reserve K. The first request that does not fit
 *             stops admission for this step (no overtaking, so a large request cannot starve), except that later
 *             requests may still start inside their own class's unused reservation: one tag's large request never
 *             blocks another tag's guaranteed share;</li>
 *         <li>after it starts, the free slots and free KV still cover every other class's unused reservation
 *             (Σ over the other classes of max(0, reserved − used), counting this step's earlier admissions). So
 *             on-demand traffic never takes reserved capacity, while a provisioned model may burst into capacity
 *             nobody reserved. A request held back by this is skipped: it stays queued, later ones may start;</li>
 *         <li>the admission policy agrees (one it holds back is skipped too).</li>
 *       </ol>
 *       Each admitted request's first prompt chunk takes what budget remains.</li>
 * </ol>
 * So no step processes more than {@code maxTokensPerStep} tokens, which bounds how long a prompt can stall the
 * running decodes: one forward pass of at most that many tokens.
 */
final class BatchPlanner {
    private final int maxRunningSequences;
    private final int maxTokensPerStep;
    private final int reservedStepTokens;

    BatchPlanner(int maxRunningSequences, int maxTokensPerStep, int reservedStepTokens) {
        this.maxRunningSequences = maxRunningSequences;
        this.maxTokensPerStep = maxTokensPerStep;
        this.reservedStepTokens = Math.min(reservedStepTokens, maxTokensPerStep);
    }

    /**
     * @param running          admitted requests, oldest first
     * @param runningSequences sequences admitted and unfinished (including siblings not created yet)
     * @param waiting          waiting requests in admission order
     * @param freeKvTokens     what the KV ledger can still reserve
     * @param shares           the reservations against each class's use; updated with this step's admissions
     */
    StepPlan plan(List<RunningRequest> running, int runningSequences, List<GenerationJob> waiting,
                  long freeKvTokens, long kvCacheTokens, AdmissionPolicy policy, ReservedShares shares) {
        StepPlan plan = new StepPlan();
        int budget = maxTokensPerStep;
        for (RunningRequest r : running) {
            boolean reserved = shares.isReserved(r.job.capacityTag());
            for (Sequence s : r.sequences) {
                if (s != null && s.isDecoding()) {
                    plan.addDecode(s);
                    if (reserved) {
                        budget = reservedStepTokens;
                    }
                }
            }
        }
        budget -= plan.decodeRows;
        if (!shares.isEmpty()) {
            budget = prefill(running, plan, budget, shares, true);
        }
        budget = prefill(running, plan, budget, shares, false);
        int slots = maxRunningSequences - runningSequences;
        long kv = freeKvTokens;
        int queued = waiting.size();
        boolean stalled = false;
        for (GenerationJob job : waiting) {
            if (budget == 0) {
                break;
            }
            String tag = job.capacityTag();
            int n = job.numGenerations();
            long k = job.kvReservation();
            if (n > slots || k > kv) {
                if (shares.isEmpty()) {
                    break;
                }
                stalled = true;
                continue;
            }
            if (!shares.leavesOthersTheirShare(tag, n, k, slots, kv)
                    || stalled && !shares.withinOwnShare(tag, n, k)) {
                continue;
            }
            SchedulerLoad load = new SchedulerLoad(maxRunningSequences - slots, maxRunningSequences, kv,
                    kvCacheTokens, queued);
            if (!policy.mayStart(job, load)) {
                continue;
            }
            int chunk = Math.min(job.promptTokens(), budget);
            if (job.request().returnLikelihoods().includesPrompt()) {
                chunk = 1;
            }
            plan.admit(job, chunk);
            shares.admitted(tag, n, k);
            slots -= n;
            kv -= k;
            budget -= chunk;
            queued--;
        }
        return plan;
    }

    /** Gives prompt chunks to the running sequences of reserved requests, or of the others; returns budget left. */
    private static int prefill(List<RunningRequest> running, StepPlan plan, int budget, ReservedShares shares,
                               boolean reserved) {
        for (RunningRequest r : running) {
            if (budget == 0) {
                break;
            }
            if (!shares.isEmpty() && shares.isReserved(r.job.capacityTag()) != reserved) {
                continue;
            }
            for (Sequence s : r.sequences) {
                if (budget > 0 && s != null && s.isPrefilling()) {
                    int chunk = Math.min(Math.min(s.remainingPrompt(), s.maxPromptChunk()), budget);
                    plan.addPrefill(s, chunk);
                    budget -= chunk;
                }
            }
        }
        return budget;
    }
}
