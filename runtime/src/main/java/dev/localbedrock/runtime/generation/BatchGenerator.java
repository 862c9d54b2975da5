package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.runtime.sampling.Sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Offline generation for a fixed batch of prompts (the {@code generate} command): every step runs all unfinished
 * rows in one forward call. With {@code recompute} it ignores the KV cache and re-runs each row's whole prefix every
 * step, which is the oracle the cached path must match.
 */
public final class BatchGenerator {
    private final DecoderModel model;

    public BatchGenerator(DecoderModel model) {
        this.model = model;
    }

    /** Generated ids per row, ending before the first EOS (which is not included). */
    public List<int[]> generate(List<int[]> prompts, int maxNewTokens, SamplingParameters sampling, long seed,
                                boolean recompute) {
        int rows = prompts.size();
        List<List<Integer>> generated = new ArrayList<>();
        Sampler[] samplers = new Sampler[rows];
        SequenceState[] states = new SequenceState[rows];
        boolean[] done = new boolean[rows];
        float[][] logits = new float[rows][];
        try {
            for (int r = 0; r < rows; r++) {
                generated.add(new ArrayList<>());
                samplers[r] = new Sampler(sampling, seed + r);
                if (!recompute) {
                    states[r] = model.newSequence();
                }
            }
            for (int step = 0; step < maxNewTokens; step++) {
                List<SequenceState> batch = new ArrayList<>();
                List<int[]> inputs = new ArrayList<>();
                List<Integer> rowOf = new ArrayList<>();
                for (int r = 0; r < rows; r++) {
                    if (done[r]) {
                        continue;
                    }
                    int[] input;
                    if (recompute) {
                        closeQuietly(states[r]);
                        states[r] = model.newSequence();
                        input = concat(prompts.get(r), generated.get(r));
                    } else {
                        input = step == 0 ? prompts.get(r) : new int[] {last(generated.get(r))};
                    }
                    batch.add(states[r]);
                    inputs.add(input);
                    rowOf.add(r);
                }
                if (batch.isEmpty()) {
                    break;
                }
                float[][] out = model.forward(batch, inputs);
                for (int i = 0; i < out.length; i++) {
                    int r = rowOf.get(i);
                    logits[r] = out[i];
                    int token = samplers[r].sample(logits[r]);
                    if (model.info().eosTokenIds().contains(token)) {
                        done[r] = true;
                    } else {
                        generated.get(r).add(token);
                        if (prompts.get(r).length + generated.get(r).size() >= model.info().maxPositions()) {
                            done[r] = true;
                        }
                    }
                }
            }
        } finally {
            Arrays.stream(states).forEach(BatchGenerator::closeQuietly);
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> g : generated) {
            result.add(g.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }

    private static int last(List<Integer> ids) {
        return ids.get(ids.size() - 1);
    }

    private static int[] concat(int[] prompt, List<Integer> generated) {
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.size());
        for (int i = 0; i < generated.size(); i++) {
            all[prompt.length + i] = generated.get(i);
        }
        return all;
    }

    private static void closeQuietly(SequenceState state) {
        if (state != null) {
            state.close();
        }
    }
}
