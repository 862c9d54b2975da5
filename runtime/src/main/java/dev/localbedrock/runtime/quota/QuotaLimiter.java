package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.catalog.ModelEntry;

import java.util.function.LongSupplier;

/**
 * Enforces one model's on-demand {@link Quota} with two {@link TokenBucket}s, requests and tokens, each holding at most
 * one minute's allowance and refilled continuously.
 *
 * <p>The exact rule: a request is admitted when the request bucket holds at least one whole request and the token
 * bucket holds more than nothing; admission takes one request. Tokens are charged once they are known — the prompt's
 * when the model starts on it, the output's when it finishes — so a long generation may overdraw the token bucket;
 * the requests that follow are refused until the refill has brought it back above zero. A refused request takes
 * nothing from either bucket. Prompt and output tokens count alike, as Bedrock's tokens-per-minute quota does.
 */
public final class QuotaLimiter implements UsageBudget {
    private final String modelId;
    private final Quota quota;
    /** Null where that figure is 0 (unlimited). */
    private final TokenBucket requests;
    private final TokenBucket tokens;

    /** The limiter an entry's quota asks for, on the system clock; null when the quota is unlimited. */
    public static QuotaLimiter forEntry(ModelEntry entry) {
        Quota quota = entry.quota();
        return quota == null || quota.unlimited() ? null : new QuotaLimiter(entry.id(), quota, System::nanoTime);
    }

    /**
     * @param modelId the id named in the refusal
     * @param nanos   the clock ({@code System::nanoTime} in service; a manual one in tests)
     */
    public QuotaLimiter(String modelId, Quota quota, LongSupplier nanos) {
        this.modelId = modelId;
        this.quota = quota;
        this.requests = quota.requestsPerMinute() > 0 ? new TokenBucket(quota.requestsPerMinute(), nanos) : null;
        this.tokens = quota.tokensPerMinute() > 0 ? new TokenBucket(quota.tokensPerMinute(), nanos) : null;
    }

    public Quota quota() {
        return quota;
    }

    @Override
    public void admit() {
        // The token bucket is only looked at, so checking it first means a refusal takes nothing.
        if (tokens != null && !tokens.hasCredit()) {
            throw refusal("tokens", quota.tokensPerMinute());
        }
        if (requests != null && !requests.tryTake(1)) {
            throw refusal("requests", quota.requestsPerMinute());
        }
    }

    @Override
    public void refund() {
        if (requests != null) {
            requests.refund(1);
        }
    }

    /** Charges {@code tokens} processed (prompt or output) to the token bucket, overdrawing it if need be. */
    public void charge(long processed) {
        if (tokens != null) {
            tokens.charge(processed);
        }
    }

    @Override
    public void chargeInput(long processed) {
        charge(processed);
    }

    @Override
    public void chargeOutput(long processed) {
        charge(processed);
    }

    @Override
    public void meet(UsageLedger ledger, boolean every) {
        if (requests != null && (every || requests.spentHalfItsShare())) {
            requests.meet(ledger, "quota/" + modelId + "/requests");
        }
        if (tokens != null && (every || tokens.spentHalfItsShare())) {
            tokens.meet(ledger, "quota/" + modelId + "/tokens");
        }
    }

    private InferenceFailure refusal(String unit, int perMinute) {
        return new InferenceFailure(InferenceFailure.Kind.OVERLOADED, "Too many " + unit
                + ", please wait before trying again. You have exceeded the on-demand quota of " + perMinute + " "
                + unit + " per minute for " + modelId + ".");
    }
}
