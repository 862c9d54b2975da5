package dev.localbedrock.knowledge.vector;

/** The checks every store makes on a vector before it writes or searches with it, with the same messages. */
final class VectorChecks {

    private VectorChecks() {
    }

    /**
     * @throws IllegalArgumentException if the vector is missing, of another length than the index's, holds a
     *         non-finite value, or is all zeros in a cosine index (where the similarity is undefined)
     */
    static void check(IndexSpec spec, String what, float[] vector) {
        if (vector == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        if (vector.length != spec.dimensions()) {
            throw new IllegalArgumentException(what + " has " + vector.length + " dimensions; vector index '"
                    + spec.indexName() + "' has " + spec.dimensions());
        }
        double squares = 0;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException(what + " has a non-finite value at [" + i + "]");
            }
            squares += (double) vector[i] * vector[i];
        }
        if (squares == 0 && spec.metric() == Metric.COSINE) {
            throw new IllegalArgumentException(what + " is all zeros, for which cosine similarity is undefined");
        }
    }

    static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
    }
}
