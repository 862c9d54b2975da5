package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A real model that remembers, for each row of each forward call, the logits it returned and the row's length
 * after the call, so a test can pick out the logits a prompt's last position produced.
 */
final class LogitRecordingModel implements DecoderModel {
    record Row(int lengthAfter, float[] logits) {
    }

    private final DecoderModel model;
    final List<Row> rows = new ArrayList<>();
    int forwardTokens;

    LogitRecordingModel(DecoderModel model) {
        this.model = model;
    }

    /** The logits of the last recorded row that ended at {@code length}: a prompt of that length just finished. */
    float[] logitsAtLength(int length) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            if (rows.get(i).lengthAfter() == length) {
                return rows.get(i).logits();
            }
        }
        throw new AssertionError("no row ended at length " + length);
    }

    @Override
    public ModelInfo info() {
        return model.info();
    }

    @Override
    public TextTokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public SequenceState newSequence() {
        return model.newSequence();
    }

    @Override
    public SequenceState newSequence(int reservedTokens) {
        return model.newSequence(reservedTokens);
    }

    @Override
    public long freeKvTokens() {
        return model.freeKvTokens();
    }

    @Override
    public SequenceState fork(SequenceState source, int reservedTokens) {
        return model.fork(source, reservedTokens);
    }

    @Override
    public SequenceState fork(SequenceState source, int reservedTokens, int prefixTokens) {
        return model.fork(source, reservedTokens, prefixTokens);
    }

    @Override
    public float[][] forward(List<SequenceState> states, List<int[]> tokens) {
        float[][] logits = model.forward(states, tokens);
        for (int r = 0; r < states.size(); r++) {
            rows.add(new Row(states.get(r).length(), logits[r].clone()));
            forwardTokens += tokens.get(r).length;
        }
        return logits;
    }

    @Override
    public void close() {
        model.close();
    }
}
