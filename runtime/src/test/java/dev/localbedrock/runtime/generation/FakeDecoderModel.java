package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * A deterministic stand-in engine for scheduler tests: a row's logits are a pseudo-random function of its whole
 * token history (so they never depend on the rest of the batch), the KV pool is a token counter with a capacity,
 * and every forward call is recorded. Its tokenizer maps id {@code i ≥ 3} to the letter {@code 'a' + (i − 3) % 26}
 * (ids 0–2 are unk, BOS and EOS and decode to nothing).
 */
final class FakeDecoderModel implements DecoderModel {
    static final int VOCAB = 40;
    static final int BOS = 1;
    static final int EOS = 2;

    private final long kvCapacity;
    private final boolean canFork;
    private long kvReserved;
    private int liveSequences;
    /** EOS gets the top logit once a sequence holds this many tokens; 0 never. */
    int eosAtLength;
    /** Forward calls, each the per-row token counts. */
    final List<int[]> forwardCalls = new ArrayList<>();
    int forks;
    int newSequences;
    /** Called after each forward call with the tokens it processed (a test's cost model advances its clock). */
    IntConsumer onForward = tokens -> { };
    /** What the tokenizer promises one token covers at most, in bytes; unbounded unless a test sets it. */
    int maxBytesPerToken = Integer.MAX_VALUE;

    FakeDecoderModel(long kvCapacity, boolean canFork) {
        this.kvCapacity = kvCapacity;
        this.canFork = canFork;
    }

    final class FakeSequence implements SequenceState {
        final List<Integer> tokens = new ArrayList<>();
        final int reserved;
        boolean closed;

        FakeSequence(int reserved) {
            this.reserved = reserved;
        }

        @Override
        public int length() {
            return tokens.size();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                kvReserved -= reserved;
                liveSequences--;
            }
        }
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("fake", VOCAB, 512, BOS, Set.of(EOS), true);
    }

    @Override
    public TextTokenizer tokenizer() {
        if (maxBytesPerToken == Integer.MAX_VALUE) {
            return TOKENIZER;
        }
        int span = maxBytesPerToken;
        return new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean addSpecialTokens) {
                return TOKENIZER.encode(text, addSpecialTokens);
            }

            @Override
            public String decode(int[] ids) {
                return TOKENIZER.decode(ids);
            }

            @Override
            public int maxBytesPerToken() {
                return span;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public SequenceState newSequence() {
        return newSequence(64);
    }

    @Override
    public SequenceState newSequence(int reservedTokens) {
        if (reservedTokens > kvCapacity - kvReserved) {
            throw new KvCacheFullException("fake pool full");
        }
        kvReserved += reservedTokens;
        liveSequences++;
        newSequences++;
        return new FakeSequence(reservedTokens);
    }

    @Override
    public long freeKvTokens() {
        return kvCapacity - kvReserved;
    }

    @Override
    public SequenceState fork(SequenceState source, int reservedTokens) {
        if (!canFork) {
            throw new UnsupportedOperationException("no fork");
        }
        FakeSequence copy = (FakeSequence) newSequence(reservedTokens);
        newSequences--;
        forks++;
        copy.tokens.addAll(((FakeSequence) source).tokens);
        return copy;
    }

    @Override
    public float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
        int[] counts = new int[rows.size()];
        float[][] out = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            FakeSequence s = (FakeSequence) rows.get(r);
            if (s.closed) {
                throw new IllegalStateException("closed sequence in a batch");
            }
            for (int t : tokens.get(r)) {
                s.tokens.add(t);
            }
            counts[r] = tokens.get(r).length;
            out[r] = logitsAfter(s.tokens, eosAtLength);
        }
        forwardCalls.add(counts);
        onForward.accept(Arrays.stream(counts).sum());
        return out;
    }

    /** The logits after a history: the same for the same history, whatever the batch. */
    static float[] logitsAfter(List<Integer> history, int eosAtLength) {
        long h = 1469598103934665603L;
        for (int t : history) {
            h = (h ^ t) * 1099511628211L;
        }
        SplittableRandom random = new SplittableRandom(h);
        float[] logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = (float) (random.nextDouble() * 4);
        }
        logits[0] = -5f;
        logits[BOS] = -5f;
        logits[EOS] = eosAtLength > 0 && history.size() >= eosAtLength ? 10f : -5f;
        return logits;
    }

    long kvReserved() {
        return kvReserved;
    }

    int liveSequences() {
        return liveSequences;
    }

    @Override
    public void close() {
    }

    static final TextTokenizer TOKENIZER = new TextTokenizer() {
        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            int[] ids = new int[text.length() + (addSpecialTokens ? 1 : 0)];
            int i = 0;
            if (addSpecialTokens) {
                ids[i++] = BOS;
            }
            for (char c : text.toCharArray()) {
                ids[i++] = 3 + Math.floorMod(c - 'a', 26);
            }
            return ids;
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            Arrays.stream(ids).filter(id -> id >= 3).forEach(id -> sb.append((char) ('a' + (id - 3) % 26)));
            return sb.toString();
        }

        @Override
        public void close() {
        }
    };
}
