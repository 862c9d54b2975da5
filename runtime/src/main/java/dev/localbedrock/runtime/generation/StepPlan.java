package dev.localbedrock.runtime.generation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one step will run, in token counts only: each row is a sequence and how many tokens it feeds (1 for a
 * decode, a chunk for a prompt), and which waiting jobs join with how large a first prompt chunk. Decode rows come
 * first, then prompt chunks of running sequences, then the new arrivals.
 */
final class StepPlan {
    final List<Sequence> rows = new ArrayList<>();
    private int[] rowTokens = new int[8];
    final List<GenerationJob> admitted = new ArrayList<>();
    private int[] admittedTokens = new int[4];
    int decodeRows;
    int prefillRows;
    int scheduledTokens;

    void addDecode(Sequence s) {
        addRow(s, 1);
        decodeRows++;
    }

    void addPrefill(Sequence s, int tokens) {
        addRow(s, tokens);
        prefillRows++;
    }

    private void addRow(Sequence s, int tokens) {
        if (rows.size() == rowTokens.length) {
            rowTokens = Arrays.copyOf(rowTokens, rowTokens.length * 2);
        }
        rowTokens[rows.size()] = tokens;
        rows.add(s);
        scheduledTokens += tokens;
    }

    void admit(GenerationJob job, int firstChunk) {
        if (admitted.size() == admittedTokens.length) {
            admittedTokens = Arrays.copyOf(admittedTokens, admittedTokens.length * 2);
        }
        admittedTokens[admitted.size()] = firstChunk;
        admitted.add(job);
    }

    int rowTokens(int row) {
        return rowTokens[row];
    }

    int admittedTokens(int i) {
        return admittedTokens[i];
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }
}
