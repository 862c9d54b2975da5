package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.onnxruntime.OrtTestSupport.Trace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A scripted continuous-batching run, the same on every engine: rows join at different steps, prompts are fed whole
 * or in chunks beside running decodes, a row may sit out a few steps, and each row leaves (its sequence closed) as soon
 * as it has generated its tokens, while the others go on. Every row decodes greedily; its trace holds the logits that
 * chose each generated token.
 */
final class Scenario {
    /**
     * One row of the script.
     *
     * @param prompt     prompt ids
     * @param joinStep   step at which the row's sequence is created and its prompt starts
     * @param chunk      prompt tokens fed per step (0: the whole prompt at once)
     * @param newTokens  tokens to generate; then the row leaves
     * @param pauseAfter after generating this many tokens the row sits out {@code pauseSteps} steps (0: never)
     * @param pauseSteps steps to sit out
     */
    record Row(int[] prompt, int joinStep, int chunk, int newTokens, int pauseAfter, int pauseSteps) {
        static Row of(int joinStep, int chunk, int newTokens, int... prompt) {
            return new Row(prompt, joinStep, chunk, newTokens, 0, 0);
        }

        Row pausing(int after, int steps) {
            return new Row(prompt, joinStep, chunk, newTokens, after, steps);
        }
    }

    /** What a run did: per row its trace, and per step the rows in the forward call. */
    record Outcome(List<Trace> traces, List<int[]> stepRows) {
    }

    private Scenario() {
    }

    /**
     * The default script for a vocabulary of at least {@code 1000} ids: seven rows exercising every call shape (first
     * prompts of different lengths together, chunked prefill, a one-token prompt joining a decode step, a pause, rows
     * leaving from the middle of the batch and new ones taking their place).
     */
    static List<Row> standard(int bos) {
        return List.of(
                Row.of(0, 0, 12, bos, 415, 318),
                Row.of(0, 0, 5, bos, 450, 783, 310, 344, 338, 368, 292),
                Row.of(1, 4, 10, bos, 11, 22, 33, 44, 55, 66, 77, 88, 99, 111),
                Row.of(2, 0, 8, bos),
                Row.of(3, 2, 9, bos, 500, 600, 700, 800).pausing(2, 2),
                Row.of(8, 0, 6, bos, 901, 902, 903, 904, 905),
                Row.of(8, 0, 5, bos, 321, 654));
    }

    static Outcome run(DecoderModel model, List<Row> rows) {
        int n = rows.size();
        SequenceState[] seqs = new SequenceState[n];
        int[] fed = new int[n];
        int[] produced = new int[n];
        int[] last = new int[n];
        int[] pauseUntil = new int[n];
        boolean[] finished = new boolean[n];
        List<List<float[]>> logits = new ArrayList<>();
        int[][] tokens = new int[n][];
        for (int r = 0; r < n; r++) {
            logits.add(new ArrayList<>());
            tokens[r] = new int[rows.get(r).newTokens()];
        }
        List<int[]> stepRows = new ArrayList<>();
        try {
            for (int step = 0; step < 1000; step++) {
                List<Integer> included = new ArrayList<>();
                List<SequenceState> states = new ArrayList<>();
                List<int[]> inputs = new ArrayList<>();
                boolean pending = false;
                for (int r = 0; r < n; r++) {
                    Row row = rows.get(r);
                    if (finished[r]) {
                        continue;
                    }
                    pending = true;
                    if (step < row.joinStep() || step < pauseUntil[r]) {
                        continue;
                    }
                    if (seqs[r] == null) {
                        seqs[r] = model.newSequence(row.prompt().length + row.newTokens());
                    }
                    int[] input;
                    if (fed[r] < row.prompt().length) {
                        int take = row.chunk() <= 0 ? row.prompt().length - fed[r]
                                : Math.min(row.chunk(), row.prompt().length - fed[r]);
                        input = Arrays.copyOfRange(row.prompt(), fed[r], fed[r] + take);
                    } else {
                        input = new int[] {last[r]};
                    }
                    included.add(r);
                    states.add(seqs[r]);
                    inputs.add(input);
                }
                if (!pending) {
                    break;
                }
                if (included.isEmpty()) {
                    continue;
                }
                stepRows.add(included.stream().mapToInt(Integer::intValue).toArray());
                float[][] out = model.forward(states, inputs);
                for (int i = 0; i < included.size(); i++) {
                    int r = included.get(i);
                    Row row = rows.get(r);
                    fed[r] += inputs.get(i).length;
                    if (fed[r] < row.prompt().length) {
                        continue; // a chunk that does not finish the prompt: its logits choose nothing
                    }
                    int next = OrtTestSupport.argmax(out[i]);
                    logits.get(r).add(out[i]);
                    tokens[r][produced[r]++] = next;
                    last[r] = next;
                    if (produced[r] == row.newTokens()) {
                        seqs[r].close();
                        seqs[r] = null;
                        finished[r] = true;
                    } else if (row.pauseAfter() > 0 && produced[r] == row.pauseAfter()) {
                        pauseUntil[r] = step + 1 + row.pauseSteps();
                    }
                }
            }
        } finally {
            for (SequenceState s : seqs) {
                if (s != null) {
                    s.close();
                }
            }
        }
        List<Trace> traces = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            traces.add(new Trace(logits.get(r), tokens[r]));
        }
        return new Outcome(traces, stepRows);
    }
}
