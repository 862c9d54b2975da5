package dev.localbedrock.runtime.sampling;

import java.util.Map;
import java.util.TreeMap;

/**
 * Cohere's {@code logit_bias}: {@code l_id = l_id + bias} for each named id, in float32, after the penalties and
 * before temperature. Held as two primitive arrays (sorted by id) so applying it allocates nothing.
 */
public final class LogitBias {
    private final int[] ids;
    private final float[] biases;

    private LogitBias(int[] ids, float[] biases) {
        this.ids = ids;
        this.biases = biases;
    }

    /** The bias of {@code byId}, or null when it is empty. */
    public static LogitBias of(Map<Integer, Float> byId) {
        if (byId.isEmpty()) {
            return null;
        }
        TreeMap<Integer, Float> sorted = new TreeMap<>(byId);
        int[] ids = new int[sorted.size()];
        float[] biases = new float[sorted.size()];
        int i = 0;
        for (Map.Entry<Integer, Float> e : sorted.entrySet()) {
            ids[i] = e.getKey();
            biases[i++] = e.getValue();
        }
        return new LogitBias(ids, biases);
    }

    /** Adds the biases to {@code logits} in place (ids outside the row are ignored; requests are checked earlier). */
    public void apply(float[] logits) {
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id >= 0 && id < logits.length) {
                logits[id] = logits[id] + biases[i];
            }
        }
    }
}
