package dev.localbedrock.knowledge.vector;

/**
 * How a vector index ranks chunks against a query: the knowledge base's cosine, euclidean or dot-product metric.
 *
 * <p>Every store reports one score per hit on one scale, larger is nearer, so a Retrieve {@code score} means the same
 * whichever store holds the index. The scale is Lucene's, since the embedded store is Lucene:
 * <ul>
 *   <li>{@link #COSINE}: {@code (1 + cos) / 2}, in [0, 1].</li>
 *   <li>{@link #EUCLIDEAN}: {@code 1 / (1 + d²)} with {@code d²} the squared L2 distance, in (0, 1].</li>
 *   <li>{@link #DOT_PRODUCT}: with {@code p} the inner product, {@code 1 / (1 - p)} when {@code p < 0}, else
 *       {@code p + 1}; in (0, ∞) and monotonic in {@code p}, so vectors need not be unit length.</li>
 * </ul>
 */
public enum Metric {
    COSINE,
    EUCLIDEAN,
    DOT_PRODUCT;

    /** The score for a raw similarity: cosine, squared L2 distance, or inner product, per this metric. */
    public double score(double raw) {
        return switch (this) {
            case COSINE -> Math.max((1 + raw) / 2, 0);
            case EUCLIDEAN -> 1 / (1 + raw);
            case DOT_PRODUCT -> raw < 0 ? 1 / (1 - raw) : raw + 1;
        };
    }
}
