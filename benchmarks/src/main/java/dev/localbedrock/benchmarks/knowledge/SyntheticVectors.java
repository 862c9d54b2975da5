package dev.localbedrock.benchmarks.knowledge;

import java.util.List;
import java.util.Random;

/**
 * Embedding-like vectors without embedding every text: each is a random convex mix of two real embeddings (weight
 * uniform in [0.2, 0.8]) plus Gaussian jitter of about {@code jitter} in norm, scaled back to unit length. The
 * vectors so cluster around the real ones' topics and lie between them, as a larger corpus's chunks would, rather
 * than spreading uniformly over the sphere (where every neighbour is about equally far and HNSW has an easy graph
 * and a meaningless top k).
 */
public final class SyntheticVectors {
    private final List<float[]> base;
    private final double jitterPerComponent;
    private final Random random;

    /** One made vector: its two parents' indexes in the base list, and the vector. */
    public record Mix(int first, int second, float[] vector) {
    }

    public SyntheticVectors(List<float[]> base, double jitter, long seed) {
        if (base.size() < 2) {
            throw new IllegalArgumentException("at least two base vectors are needed, got " + base.size());
        }
        this.base = base;
        this.jitterPerComponent = jitter / Math.sqrt(base.get(0).length);
        this.random = new Random(seed);
    }

    public Mix next() {
        int a = random.nextInt(base.size());
        int b = random.nextInt(base.size() - 1);
        if (b >= a) {
            b++; // two different parents
        }
        double w = 0.2 + 0.6 * random.nextDouble();
        float[] x = base.get(a);
        float[] y = base.get(b);
        float[] v = new float[x.length];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            double c = w * x[i] + (1 - w) * y[i] + random.nextGaussian() * jitterPerComponent;
            v[i] = (float) c;
            norm += c * c;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        return new Mix(a, b, v);
    }
}
