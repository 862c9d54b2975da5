package dev.localbedrock.runtime.generation;

import java.util.List;

/**
 * Decides each step's batch from token counts alone (it never sees a tensor or a token id), vLLM-style: one token
 * budget, no separate prefill and decode phases.
 *
 * <ol>
 *   <li>Every decoding sequence gets 1 token. Because {@code maxTokensPerStep ≥ maxRunningSequences}, they always
 *       fit: a running decode is never skipped.</li>
 *   <li>Sequences still in their prompt get {@code min(remaining prompt, budget left)} tokens, oldest first
 *       (chunked prefill: a long prompt is spread over as many steps as it needs).</li>
 *   <li>Waiting requests, in the queue's order, are admitted while the step has budget left, the batch has room for
 *       all N of their sequences, the KV ledger can reserve N × (prompt + max new tokens), and the admission policy
 *       agrees. The first request that does not fit stops admission for this step (no overtaking, so a large
 *       request cannot starve); one the policy holds back is skipped. Each admitted request's first prompt chunk
 *       takes what budget remains.</li>
 * </ol>
 * So no step processes more than {@code maxTokensPerStep} tokens, which bounds how long a prompt can stall the
 * running decodes: one forward pass of at most that many tokens.
 */
final class BatchPlanner {
    private final int maxRunningSequences;
    private final int maxTokensPerStep;

    BatchPlanner(int maxRunningSequences, int maxTokensPerStep) {
        this.maxRunningSequences = maxRunningSequences;
        this.maxTokensPerStep = maxTokensPerStep;
    }

    /**
     * @param running          admitted requests, oldest first
     * @param runningSequences sequences admitted and unfinished (including siblings not created yet)
     * @param waiting          waiting requests in admission order
     * @param freeKvTokens     what the KV ledger can still reserve
     */
    StepPlan plan(List<RunningRequest> running, int runningSequences, List<GenerationJob> waiting,
                  long freeKvTokens, long kvCacheTokens, AdmissionPolicy policy) {
        StepPlan plan = new StepPlan();
        int budget = maxTokensPerStep;
        for (RunningRequest r : running) {
            for (Sequence s : r.sequences) {
                if (s != null && s.isDecoding()) {
                    plan.addDecode(s);
                    budget--;
                }
            }
        }
        for (RunningRequest r : running) {
            for (Sequence s : r.sequences) {
                if (budget > 0 && s != null && s.isPrefilling()) {
                    int chunk = Math.min(Math.min(s.remainingPrompt(), s.maxPromptChunk()), budget);
                    plan.addPrefill(s, chunk);
                    budget -= chunk;
                }
            }
        }
        int slots = maxRunningSequences - runningSequences;
        long kv = freeKvTokens;
        int queued = waiting.size();
        for (GenerationJob job : waiting) {
            if (budget == 0) {
                break;
            }
            SchedulerLoad load = new SchedulerLoad(maxRunningSequences - slots, maxRunningSequences, kv,
                    kvCacheTokens, queued);
            if (!policy.mayStart(job, load)) {
                continue;
            }
            if (job.numGenerations() > slots || job.kvReservation() > kv) {
                break;
            }
            int chunk = Math.min(job.promptTokens(), budget);
            if (job.request().returnLikelihoods().includesPrompt()) {
                chunk = 1;
            }
            plan.admit(job, chunk);
            slots -= job.numGenerations();
            kv -= job.kvReservation();
            budget -= chunk;
            queued--;
        }
        return plan;
    }
}
