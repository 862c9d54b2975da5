package dev.localbedrock.runtime.quota;

/**
 * The token buckets of every replica of one state database, kept as one: each bucket's level lives in a shared row
 * that each replica's copy of the bucket meets every few hundred milliseconds ({@link LedgerSync}), sending what it
 * took since and taking the row's level back. So N replicas admit a model's on-demand quota, or a provisioned
 * model's units, once between them, not N times.
 */
public interface UsageLedger {

    /**
     * What a meeting returns: the bucket's shared level, and how many replicas are spending from it: this one and
     * those that took from it within the last {@link #ACTIVE_NANOS}. A replica admits against its share of the
     * level, not the whole: between meetings none sees what the others take, and N replicas each spending the whole
     * level would spend it N times. Replicas that only look do not count, so one replica serving a burst alone has
     * all of it.
     *
     * @param level    the shared level in sub-units, negative while overdrawn
     * @param replicas the replicas meeting this bucket now, at least 1
     */
    record Share(long level, int replicas) {
        public Share {
            if (replicas < 1) {
                throw new IllegalArgumentException("a meeting counts at least its own replica: " + replicas);
            }
        }

        /** This replica's part of a positive level; an overdraft is everyone's, whole. */
        long part() {
            return level > 0 ? level / replicas : level;
        }
    }

    /**
     * How recently a replica must have taken from a bucket to count as sharing it: four rounds of
     * {@link LedgerSync#PERIOD}, so a busy replica is never missed and one that stopped stops counting within a
     * second.
     */
    long ACTIVE_NANOS = 1_000_000_000L;

    /**
     * Adds one refill (from the row's last meeting to the database's now, at {@code perMinute}, never beyond one
     * minute's allowance) to the bucket's shared level, takes {@code taken} from it, and returns the new level with
     * the number of replicas spending from it (a nonzero {@code taken} counts this one as spending). A bucket met
     * for the first time starts full.
     *
     * @param key       the bucket: which model or provisioned model, and which allowance
     * @param perMinute its allowance per minute (a provisioned model's may change with its units)
     * @param taken     what this replica took since its last meeting, in sub-units (one unit is
     *                  {@code TokenBucket.NANOS_PER_MINUTE} of them); negative for a net refund
     */
    Share exchange(String key, long perMinute, long taken);
}
