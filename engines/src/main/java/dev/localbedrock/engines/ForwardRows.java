package dev.localbedrock.engines;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The engine-neutral part of {@link DecoderModel#forward}'s contract, checked for every row before any cache is
 * touched so a rejected call leaves all sequences as they were: one token array per row, no sequence twice, no empty
 * row, every id inside the vocabulary, and no row beyond the room it reserved.
 */
public final class ForwardRows {
    private ForwardRows() {
    }

    /**
     * @param sequences the engine's own sequence objects, one per row (already checked to belong to the model)
     * @param tokens    the new tokens of each row
     * @param vocab     the model's vocabulary size
     * @param cached    tokens a sequence already holds
     * @param limit     tokens a sequence may hold at most
     * @param limitName what the engine calls that limit in its errors ({@code reservation}, {@code capacity})
     * @throws IllegalArgumentException naming the row and what is wrong with it
     */
    public static <S> void check(List<S> sequences, List<int[]> tokens, int vocab, ToIntFunction<S> cached,
                                 ToIntFunction<S> limit, String limitName) {
        if (sequences.size() != tokens.size()) {
            throw new IllegalArgumentException(sequences.size() + " rows but " + tokens.size() + " token arrays");
        }
        Map<S, Boolean> seen = new IdentityHashMap<>();
        for (int r = 0; r < sequences.size(); r++) {
            S sequence = sequences.get(r);
            if (seen.put(sequence, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("row " + r + ": the same sequence appears twice in one batch");
            }
            int[] ids = tokens.get(r);
            if (ids == null || ids.length == 0) {
                throw new IllegalArgumentException("row " + r + ": no tokens");
            }
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("row " + r + ": token id " + id
                            + " is outside the model's vocabulary [0, " + vocab + ")");
                }
            }
            int held = cached.applyAsInt(sequence);
            if ((long) held + ids.length > limit.applyAsInt(sequence)) {
                throw new IllegalArgumentException("row " + r + ": " + held + " cached + " + ids.length
                        + " new tokens exceed the sequence's " + limitName + " of " + limit.applyAsInt(sequence) + " tokens");
            }
        }
    }
}
