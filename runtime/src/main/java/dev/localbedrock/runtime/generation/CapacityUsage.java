package dev.localbedrock.runtime.generation;

import java.util.HashMap;
import java.util.Map;

/**
 * What admitted requests hold, by capacity class (a tag, or null for on-demand traffic): running sequences and
 * ledger KV, from admission until each sequence finishes or its request is aborted. The step loop keeps it exactly
 * in step with the {@link KvLedger}; {@link ReservedShares} compares it with the reservations. Scheduler thread only.
 */
final class CapacityUsage {
    /** [sequences, kvTokens] per class; a class leaves the map when it holds nothing. */
    private final Map<String, long[]> byClass = new HashMap<>();

    void add(String tag, int sequences, long kvTokens) {
        long[] u = byClass.computeIfAbsent(tag, t -> new long[2]);
        u[0] += sequences;
        u[1] += kvTokens;
    }

    void remove(String tag, int sequences, long kvTokens) {
        if (sequences == 0 && kvTokens == 0) {
            return;
        }
        long[] u = byClass.get(tag);
        if (u == null || u[0] < sequences || u[1] < kvTokens) {
            throw new IllegalStateException("capacity usage of " + tag + " released more than it held");
        }
        u[0] -= sequences;
        u[1] -= kvTokens;
        if (u[0] == 0 && u[1] == 0) {
            byClass.remove(tag);
        }
    }

    int sequences(String tag) {
        long[] u = byClass.get(tag);
        return u == null ? 0 : (int) u[0];
    }

    long kvTokens(String tag) {
        long[] u = byClass.get(tag);
        return u == null ? 0 : u[1];
    }

    /** Whether no class holds anything (every admitted request has ended). */
    boolean isEmpty() {
        return byClass.isEmpty();
    }
}
