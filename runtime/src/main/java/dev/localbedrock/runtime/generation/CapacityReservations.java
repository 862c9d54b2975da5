package dev.localbedrock.runtime.generation;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Batch slots and KV cache one model's scheduler holds back for provisioned throughput, by capacity tag (the
 * provisioned model's ARN). A reservation of {@code n} sequences also reserves KV in proportion to the batch,
 * {@code n × kvCacheTokens / maxRunningSequences} tokens, so a reserved sequence is as long as an average one.
 *
 * <p>The scheduler guarantees each tag its reservation and lets it burst into capacity nobody reserved; on-demand
 * traffic (no tag) only ever gets what is left after every unused reservation (see {@link BatchPlanner}). At least
 * one slot always stays unreserved, so on-demand traffic is never shut out entirely.
 *
 * <p>Thread-safe: the control plane changes reservations from its own threads; the scheduler reads an immutable
 * snapshot each step, so a change takes effect at the next step and reading costs one volatile load. A change never
 * stops work already running: when a new reservation covers slots on-demand requests hold, it is honoured as they
 * finish.
 */
public final class CapacityReservations {
    private final int maxRunningSequences;
    private final long kvCacheTokens;
    private volatile Snapshot current = new Snapshot(Map.of(), 0);

    CapacityReservations(int maxRunningSequences, long kvCacheTokens) {
        this.maxRunningSequences = maxRunningSequences;
        this.kvCacheTokens = kvCacheTokens;
    }

    /**
     * Reserves {@code sequences} batch slots, and KV in proportion, for requests tagged {@code tag}, replacing any
     * earlier reservation of that tag.
     *
     * @return false, changing nothing, when all reservations together would leave on-demand traffic no slot
     *         (together they may take at most {@code maxRunningSequences − 1})
     * @throws IllegalArgumentException when {@code sequences < 1}
     */
    public synchronized boolean reserve(String tag, int sequences) {
        Objects.requireNonNull(tag, "tag");
        if (sequences < 1) {
            throw new IllegalArgumentException("a reservation needs at least 1 sequence, not " + sequences);
        }
        Snapshot s = current;
        int total = s.total - s.sequences(tag) + sequences;
        if (total > maxRunningSequences - 1) {
            return false;
        }
        Map<String, Integer> next = new HashMap<>(s.byTag);
        next.put(tag, sequences);
        current = new Snapshot(Map.copyOf(next), total);
        return true;
    }

    /** Drops {@code tag}'s reservation, if any; its queued and running requests continue as unreserved ones. */
    public synchronized void release(String tag) {
        Snapshot s = current;
        if (tag != null && s.byTag.containsKey(tag)) {
            Map<String, Integer> next = new HashMap<>(s.byTag);
            next.remove(tag);
            current = new Snapshot(Map.copyOf(next), s.total - s.sequences(tag));
        }
    }

    /** Sequences reserved by all tags together. */
    public int reservedSequences() {
        return current.total;
    }

    /** The most one more tag could reserve now. */
    public int reservableSequences() {
        return Math.max(0, maxRunningSequences - 1 - current.total);
    }

    /** Whether {@code tag} (null: on-demand, never) has a reservation. */
    public boolean has(String tag) {
        return tag != null && current.byTag.containsKey(tag);
    }

    /** Sequences {@code tag} reserved; 0 without a reservation. */
    public int sequences(String tag) {
        return current.sequences(tag);
    }

    /** KV tokens {@code tag}'s reservation holds back. */
    public long kvTokens(String tag) {
        return kvTokensFor(current.sequences(tag));
    }

    long kvTokensFor(int sequences) {
        return sequences * kvCacheTokens / maxRunningSequences;
    }

    /** The reservations now; the scheduler reads this once per step. */
    Snapshot snapshot() {
        return current;
    }

    /** An immutable view of every reservation: sequences by tag, and their sum. */
    record Snapshot(Map<String, Integer> byTag, int total) {
        int sequences(String tag) {
            Integer n = tag == null ? null : byTag.get(tag);
            return n == null ? 0 : n;
        }

        boolean isEmpty() {
            return byTag.isEmpty();
        }
    }
}
