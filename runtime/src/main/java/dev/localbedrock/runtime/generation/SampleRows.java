package dev.localbedrock.runtime.generation;

import dev.localbedrock.runtime.sampling.LogProbs;
import dev.localbedrock.runtime.sampling.Sampler;

import java.util.Arrays;

/**
 * The rows that sample in a step, in arrays reused from step to step so sampling a batch allocates nothing. Rows that
 * report likelihoods keep a copy of their unmodified logits and its log-normaliser, because the sampler modifies rows
 * in place. Scheduler thread only.
 */
final class SampleRows {
    Sequence[] sequences = new Sequence[16];
    Sampler[] samplers = new Sampler[16];
    float[][] logits = new float[16][];
    float[][] raw = new float[16][];
    double[] logNorm = new double[16];
    int[] tokens = new int[16];
    int size;

    void add(Sequence s, float[] row) {
        if (size == sequences.length) {
            int n = size * 2;
            sequences = Arrays.copyOf(sequences, n);
            samplers = Arrays.copyOf(samplers, n);
            logits = Arrays.copyOf(logits, n);
            raw = Arrays.copyOf(raw, n);
            logNorm = Arrays.copyOf(logNorm, n);
            tokens = Arrays.copyOf(tokens, n);
        }
        sequences[size] = s;
        samplers[size] = s.sampler;
        logits[size] = row;
        if (s.wantsLikelihoods()) {
            if (raw[size] == null || raw[size].length != row.length) {
                raw[size] = new float[row.length];
            }
            System.arraycopy(row, 0, raw[size], 0, row.length);
            logNorm[size] = LogProbs.logSumExp(row);
        }
        size++;
    }

    void clear() {
        Arrays.fill(sequences, 0, size, null);
        Arrays.fill(samplers, 0, size, null);
        Arrays.fill(logits, 0, size, null);
        size = 0;
    }
}
