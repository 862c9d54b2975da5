package dev.localbedrock.runtime.quota;

/**
 * The token buckets of every replica of one state database, kept as one: each bucket's level lives in a shared row
 * that each replica's copy of the bucket meets every few hundred milliseconds ({@link LedgerSync}), sending what it
 * took since and taking the row's level back. So N replicas admit a model's on-demand quota, or a provisioned
 * model's units, once between them, not N times.
 */
public interface UsageLedger {

    /**
     * Adds one refill (from the row's last meeting to the database's now, at {@code perMinute}, never beyond one
     * minute's allowance) to the bucket's shared level, takes {@code taken} from it, and returns the new level. A
     * bucket met for the first time starts full.
     *
     * @param key       the bucket: which model or provisioned model, and which allowance
     * @param perMinute its allowance per minute (a provisioned model's may change with its units)
     * @param taken     what this replica took since its last meeting, in sub-units (one unit is
     *                  {@code TokenBucket.NANOS_PER_MINUTE} of them); negative for a net refund
     * @return the shared level in sub-units, negative while overdrawn
     */
    long exchange(String key, long perMinute, long taken);
}
