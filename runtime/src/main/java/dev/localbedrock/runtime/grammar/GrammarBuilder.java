package dev.localbedrock.runtime.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Grammar}: rules are declared first (so they can refer to each other, recursion included) and
 * defined once with their alternatives. Checks what the matcher needs: every rule defined, some finite string
 * derivable from the start, and no rule reachable from itself without consuming a byte (left recursion would make
 * the matcher loop).
 */
final class GrammarBuilder {
    private final List<List<int[]>> rules = new ArrayList<>();
    private final List<long[]> classes = new ArrayList<>();
    private final Map<String, Integer> classIds = new HashMap<>();
    private final Map<Integer, Integer> byteSymbols = new HashMap<>();

    /** A new, still undefined rule; returns its id. */
    int declare() {
        rules.add(null);
        return rules.size() - 1;
    }

    /** Defines {@code rule} as the choice between {@code alternatives} (each a run of symbols; empty = ε). */
    void define(int rule, List<int[]> alternatives) {
        if (rules.get(rule) != null) {
            throw new IllegalStateException("rule " + rule + " defined twice");
        }
        rules.set(rule, List.copyOf(alternatives));
    }

    /** A new rule with these alternatives. */
    int rule(List<int[]> alternatives) {
        int r = declare();
        define(r, alternatives);
        return r;
    }

    /** A new rule that is one sequence. */
    int sequence(int... symbols) {
        return rule(List.of(symbols));
    }

    static int ref(int rule) {
        return -rule - 2;
    }

    /** The symbol matching exactly byte {@code b}. */
    int exact(int b) {
        return byteSymbols.computeIfAbsent(b & 0xFF, x -> range(x, x));
    }

    /** The symbol matching bytes {@code from..to} (inclusive, unsigned). */
    int range(int from, int to) {
        return ranges(from, to);
    }

    /** The symbol matching the union of inclusive ranges given as pairs. */
    int ranges(int... pairs) {
        long[] bits = new long[4];
        for (int i = 0; i < pairs.length; i += 2) {
            for (int b = pairs[i]; b <= pairs[i + 1]; b++) {
                bits[b >>> 6] |= 1L << (b & 63);
            }
        }
        String key = Arrays.toString(bits);
        return classIds.computeIfAbsent(key, k -> {
            classes.add(bits);
            return classes.size() - 1;
        });
    }

    /** The symbols spelling {@code bytes}. */
    int[] literal(byte[] bytes) {
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = exact(bytes[i]);
        }
        return symbols;
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    Grammar build(int startRule) {
        int n = rules.size();
        for (int r = 0; r < n; r++) {
            if (rules.get(r) == null) {
                throw new IllegalStateException("rule " + r + " never defined");
            }
        }
        int[] minRule = minimumLengths();
        if (minRule[startRule] >= Grammar.INFINITE) {
            throw new IllegalArgumentException("the schema admits no finite JSON value (a required recursion)");
        }
        checkNoLeftRecursion(minRule);
        int size = 0;
        for (List<int[]> alts : rules) {
            for (int[] alt : alts) {
                size += alt.length + 1;
            }
        }
        int[] code = new int[size];
        int[] minSuffix = new int[size];
        int[][] starts = new int[n][];
        int pos = 0;
        for (int r = 0; r < n; r++) {
            List<int[]> alts = rules.get(r);
            starts[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                int[] alt = alts.get(a);
                starts[r][a] = pos;
                System.arraycopy(alt, 0, code, pos, alt.length);
                code[pos + alt.length] = Grammar.END;
                int suffix = 0;
                for (int i = alt.length - 1; i >= 0; i--) {
                    suffix = saturatingAdd(suffix, length(alt[i], minRule));
                    minSuffix[pos + i] = suffix;
                }
                pos += alt.length + 1;
            }
        }
        long[] flat = new long[classes.size() * 4];
        for (int c = 0; c < classes.size(); c++) {
            System.arraycopy(classes.get(c), 0, flat, c * 4, 4);
        }
        return new Grammar(code, starts, flat, minSuffix, startRule);
    }

    /** Fewest bytes each rule can derive, by fixpoint iteration (INFINITE where it derives nothing finite). */
    private int[] minimumLengths() {
        int n = rules.size();
        int[] min = new int[n];
        Arrays.fill(min, Grammar.INFINITE);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int r = 0; r < n; r++) {
                for (int[] alt : rules.get(r)) {
                    int len = 0;
                    for (int s : alt) {
                        len = saturatingAdd(len, length(s, min));
                    }
                    if (len < min[r]) {
                        min[r] = len;
                        changed = true;
                    }
                }
            }
        }
        return min;
    }

    private static int length(int symbol, int[] minRule) {
        return Grammar.isRule(symbol) ? minRule[Grammar.ruleOf(symbol)] : 1;
    }

    private static int saturatingAdd(int a, int b) {
        return Math.min(Grammar.INFINITE, a + b);
    }

    private void checkNoLeftRecursion(int[] minRule) {
        int n = rules.size();
        byte[] mark = new byte[n]; // 0 unvisited, 1 on the path, 2 done
        for (int r = 0; r < n; r++) {
            if (mark[r] == 0) {
                visitLeft(r, minRule, mark);
            }
        }
    }

    private void visitLeft(int r, int[] minRule, byte[] mark) {
        mark[r] = 1;
        for (int[] alt : rules.get(r)) {
            for (int s : alt) {
                if (!Grammar.isRule(s)) {
                    break;
                }
                int q = Grammar.ruleOf(s);
                if (mark[q] == 1) {
                    throw new IllegalArgumentException("the schema refers to itself without consuming input "
                            + "(a left-recursive $ref)");
                }
                if (mark[q] == 0) {
                    visitLeft(q, minRule, mark);
                }
                if (minRule[q] > 0) {
                    break;
                }
            }
        }
        mark[r] = 2;
    }
}
