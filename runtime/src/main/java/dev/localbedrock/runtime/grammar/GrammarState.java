package dev.localbedrock.runtime.grammar;

import java.util.Arrays;

/**
 * Where a byte-level pushdown match stands: the set of parse stacks still alive (several while alternatives of an
 * {@code anyOf} or {@code enum} share a prefix), each a persistent linked stack whose top is always a byte-class
 * position, plus whether the input so far is already a complete value. Immutable and structurally comparable, so
 * states can be shared between sequences and used as mask-cache keys.
 *
 * <p>As in llama.cpp's grammar matcher, a rule reference that ends its alternative is a tail call (nothing is pushed
 * for it), so loops such as a string's characters keep the stack flat and revisit equal states.
 */
final class GrammarState {
    /** One frame of a parse stack: a grammar position and what continues after it. */
    static final class Frame {
        final int pos;
        final Frame parent;
        /** Fewest bytes finishing this frame and all below it. */
        final int min;
        private final int hash;

        Frame(Grammar g, int pos, Frame parent) {
            this.pos = pos;
            this.parent = parent;
            this.min = Math.min(Grammar.INFINITE, g.minSuffix[pos] + (parent == null ? 0 : parent.min));
            this.hash = pos * 0x9E3779B1 + (parent == null ? 0 : parent.hash * 31);
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Frame f) || f.hash != hash) {
                return false;
            }
            Frame a = this;
            Frame b = f;
            while (a != null && b != null) {
                if (a == b) {
                    return true;
                }
                if (a.pos != b.pos) {
                    return false;
                }
                a = a.parent;
                b = b.parent;
            }
            return a == b;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final Frame[] NO_FRAMES = new Frame[0];

    private final Grammar grammar;
    private final Frame[] stacks;
    private final boolean accepting;
    private final int hash;

    private GrammarState(Grammar grammar, Frame[] stacks, boolean accepting) {
        this.grammar = grammar;
        this.stacks = stacks;
        this.accepting = accepting;
        this.hash = Arrays.hashCode(stacks) * 2 + (accepting ? 1 : 0);
    }

    /** Nothing read yet. */
    static GrammarState start(Grammar g) {
        Builder out = new Builder();
        expandRule(g, g.startRule, null, out);
        return out.build(g);
    }

    /** The state after one more byte ({@code 0..255}), or null when no stack can take it. */
    GrammarState advance(int b) {
        Builder out = null;
        for (Frame top : stacks) {
            if (grammar.matches(top.pos, b)) {
                if (out == null) {
                    out = new Builder();
                }
                expand(grammar, top.pos + 1, top.parent, out);
            }
        }
        return out == null ? null : out.build(grammar);
    }

    /** Marks a refused byte in {@link #successors}. */
    private static final GrammarState REFUSED = new GrammarState(null, NO_FRAMES, false);
    /**
     * Memoised {@link #step} results by byte (null: not computed yet). Written racily by whichever thread computes
     * an entry first; harmless, since states are immutable and any computed value is equal to any other.
     */
    private GrammarState[] successors;

    /**
     * {@link #advance(int)}, memoised per state and interned through {@code states}, so the vocabulary walk revisits
     * equal states (every character of a free string leads back to the same one) as array lookups.
     */
    GrammarState step(int b, Interner states) {
        GrammarState[] memo = successors;
        if (memo == null) {
            memo = new GrammarState[256];
            successors = memo;
        }
        GrammarState next = memo[b];
        if (next == null) {
            GrammarState computed = advance(b);
            next = computed == null ? REFUSED : states.intern(computed);
            memo[b] = next;
        }
        return next == REFUSED ? null : next;
    }

    /** {@link #step} over all of {@code bytes}. */
    GrammarState step(byte[] bytes, Interner states) {
        GrammarState s = this;
        for (int i = 0; i < bytes.length && s != null; i++) {
            s = s.step(bytes[i] & 0xFF, states);
        }
        return s;
    }

    /** Canonical instances of equal states, bounded: past its limit it starts afresh (sharing is only a speed-up). */
    static final class Interner {
        private final int limit;
        private final java.util.HashMap<GrammarState, GrammarState> states = new java.util.HashMap<>();

        Interner(int limit) {
            this.limit = limit;
        }

        synchronized GrammarState intern(GrammarState s) {
            GrammarState known = states.get(s);
            if (known != null) {
                return known;
            }
            if (states.size() >= limit) {
                states.clear();
            }
            states.put(s, s);
            return s;
        }
    }

    /** The state after all of {@code bytes}, or null when some byte is refused. */
    GrammarState advance(byte[] bytes) {
        GrammarState s = this;
        for (int i = 0; i < bytes.length && s != null; i++) {
            s = s.advance(bytes[i] & 0xFF);
        }
        return s;
    }

    /** Whether the bytes read so far form a complete value. */
    boolean isAccepting() {
        return accepting;
    }

    /** Complete and nothing may follow: the only way on is end-of-sequence. */
    boolean isComplete() {
        return accepting && stacks.length == 0;
    }

    /** Fewest more bytes that make the input a complete value (0 when it already is). */
    int minBytesToFinish() {
        if (accepting) {
            return 0;
        }
        int min = Grammar.INFINITE;
        for (Frame f : stacks) {
            min = Math.min(min, f.min);
        }
        return min;
    }

    /** ORs every byte some stack can take next into {@code into} (four words). */
    void nextBytes(long[] into) {
        for (Frame top : stacks) {
            grammar.addClass(top.pos, into);
        }
    }

    /** Continues at {@code pos} under {@code parent}, expanding rule references until byte classes are on top. */
    private static void expand(Grammar g, int pos, Frame parent, Builder out) {
        int symbol = g.code[pos];
        if (symbol == Grammar.END) {
            if (parent == null) {
                out.accepting = true;
            } else {
                expand(g, parent.pos, parent.parent, out);
            }
        } else if (Grammar.isRule(symbol)) {
            Frame continuation = g.code[pos + 1] == Grammar.END ? parent : new Frame(g, pos + 1, parent);
            expandRule(g, Grammar.ruleOf(symbol), continuation, out);
        } else {
            out.add(new Frame(g, pos, parent));
        }
    }

    private static void expandRule(Grammar g, int rule, Frame continuation, Builder out) {
        for (int start : g.alternatives[rule]) {
            expand(g, start, continuation, out);
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof GrammarState s && s.hash == hash && s.accepting == accepting
                && s.grammar == grammar && Arrays.equals(s.stacks, stacks);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** Collects distinct stacks in a canonical order (so equal sets compare equal). */
    private static final class Builder {
        Frame[] frames = new Frame[4];
        int size;
        boolean accepting;

        void add(Frame f) {
            for (int i = 0; i < size; i++) {
                if (frames[i].equals(f)) {
                    return;
                }
            }
            if (size == frames.length) {
                frames = Arrays.copyOf(frames, size * 2);
            }
            frames[size++] = f;
        }

        GrammarState build(Grammar g) {
            Frame[] stacks = size == 0 ? NO_FRAMES : Arrays.copyOf(frames, size);
            Arrays.sort(stacks, (a, b) -> a.hash != b.hash ? Integer.compare(a.hash, b.hash)
                    : Integer.compare(a.pos, b.pos));
            return new GrammarState(g, stacks, accepting);
        }
    }

    @Override
    public String toString() {
        return "GrammarState[" + stacks.length + " stacks" + (accepting ? ", accepting" : "") + "]";
    }
}
