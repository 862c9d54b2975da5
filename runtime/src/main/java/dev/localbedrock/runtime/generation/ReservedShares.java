package dev.localbedrock.runtime.generation;

import java.util.HashMap;
import java.util.Map;

/**
 * One step's view of the reservations against what each class uses, in counts only, for {@link BatchPlanner}: it
 * answers whether a request may start without eating another class's unused reservation, and it records the step's
 * admissions as the planner makes them, so later candidates in the same step see them.
 *
 * <p>A class's unused reservation is {@code max(0, reserved − used)}, separately for sequences and KV tokens; on-demand
 * traffic and tags without a reservation reserve nothing.
 */
final class ReservedShares {
    /** Per reserved tag: reserved sequences, reserved KV, used sequences, used KV. */
    private final Map<String, long[]> byTag;
    private long unusedSequences;
    private long unusedKv;

    private ReservedShares(Map<String, long[]> byTag) {
        this.byTag = byTag;
        for (long[] t : byTag.values()) {
            unusedSequences += unused(t[0], t[2]);
            unusedKv += unused(t[1], t[3]);
        }
    }

    /** Nothing reserved: every request may use all free capacity. */
    static ReservedShares none() {
        return new ReservedShares(Map.of());
    }

    static ReservedShares of(CapacityReservations reservations, CapacityUsage usage) {
        CapacityReservations.Snapshot snapshot = reservations.snapshot();
        if (snapshot.isEmpty()) {
            return none();
        }
        Map<String, long[]> byTag = new HashMap<>();
        snapshot.byTag().forEach((tag, sequences) -> byTag.put(tag, new long[] {sequences,
                reservations.kvTokensFor(sequences), usage.sequences(tag), usage.kvTokens(tag)}));
        return new ReservedShares(byTag);
    }

    boolean isEmpty() {
        return byTag.isEmpty();
    }

    /** Whether {@code tag} has a reservation (its requests are latency-protected and admitted first). */
    boolean isReserved(String tag) {
        return tag != null && byTag.containsKey(tag);
    }

    /**
     * Whether a request of class {@code tag} needing {@code sequences} and {@code kv} may start now: after it does,
     * {@code freeSlots} and {@code freeKv} must still cover every other class's unused reservation.
     */
    boolean leavesOthersTheirShare(String tag, int sequences, long kv, int freeSlots, long freeKv) {
        long[] own = tag == null ? null : byTag.get(tag);
        long othersSequences = unusedSequences - (own == null ? 0 : unused(own[0], own[2]));
        long othersKv = unusedKv - (own == null ? 0 : unused(own[1], own[3]));
        return freeSlots - sequences >= othersSequences && freeKv - kv >= othersKv;
    }

    /** Whether the request fits entirely inside its own class's unused reservation. */
    boolean withinOwnShare(String tag, int sequences, long kv) {
        long[] own = tag == null ? null : byTag.get(tag);
        return own != null && sequences <= unused(own[0], own[2]) && kv <= unused(own[1], own[3]);
    }

    /** Records an admission planned this step. */
    void admitted(String tag, int sequences, long kv) {
        long[] own = tag == null ? null : byTag.get(tag);
        if (own == null) {
            return;
        }
        unusedSequences -= unused(own[0], own[2]);
        unusedKv -= unused(own[1], own[3]);
        own[2] += sequences;
        own[3] += kv;
        unusedSequences += unused(own[0], own[2]);
        unusedKv += unused(own[1], own[3]);
    }

    private static long unused(long reserved, long used) {
        return Math.max(0, reserved - used);
    }
}
