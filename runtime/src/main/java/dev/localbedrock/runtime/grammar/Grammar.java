package dev.localbedrock.runtime.grammar;

/**
 * A compiled context-free grammar over bytes, laid out flat as llama.cpp lays out its GBNF rules: {@link #code} holds
 * every alternative of every rule as a run of symbols ended by {@link #END}; a symbol {@code >= 0} is a byte class
 * (index into {@link #classes}, four 64-bit words per class), a symbol {@code <= -2} refers to rule {@code -symbol-2}.
 * A position is an index into {@code code}. Immutable once built; shared by every sequence using the schema.
 */
final class Grammar {
    static final int END = -1;
    /** Saturating "cannot finish" length. */
    static final int INFINITE = Integer.MAX_VALUE / 4;

    final int[] code;
    /** For each rule, the positions where its alternatives start. */
    final int[][] alternatives;
    final long[] classes;
    /** For each position, the fewest bytes that finish the alternative from there (0 at END). */
    final int[] minSuffix;
    final int startRule;

    Grammar(int[] code, int[][] alternatives, long[] classes, int[] minSuffix, int startRule) {
        this.code = code;
        this.alternatives = alternatives;
        this.classes = classes;
        this.minSuffix = minSuffix;
        this.startRule = startRule;
    }

    static boolean isRule(int symbol) {
        return symbol <= -2;
    }

    static int ruleOf(int symbol) {
        return -symbol - 2;
    }

    /** Whether byte {@code b} (0–255) is in the class at terminal position {@code pos}. */
    boolean matches(int pos, int b) {
        int c = code[pos];
        return (classes[c * 4 + (b >>> 6)] & (1L << (b & 63))) != 0;
    }

    /** ORs the class at terminal position {@code pos} into {@code into} (four words). */
    void addClass(int pos, long[] into) {
        int c = code[pos] * 4;
        for (int i = 0; i < 4; i++) {
            into[i] |= classes[c + i];
        }
    }
}
