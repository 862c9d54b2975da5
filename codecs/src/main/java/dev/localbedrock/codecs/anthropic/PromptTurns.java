package dev.localbedrock.codecs.anthropic;

import java.util.ArrayList;
import java.util.List;

/**
 * Claude's prompt turn rule, strict and lenient, as {@link ClaudeTextCodec} documents it. Returns the problems in
 * Bedrock's words (empty when the prompt is acceptable) rather than throwing, so the codec can join them as Bedrock
 * does. One pass over the prompt; no regular expressions, so a hostile prompt costs linear time.
 */
final class PromptTurns {

    private static final String HUMAN_WORD = "Human:";
    private static final String ASSISTANT_WORD = "Assistant:";

    private PromptTurns() {
    }

    /** Bedrock's rule: {@code "\n\nHuman:"} first (after an optional system prompt), alternating, Assistant last. */
    static List<String> strictProblems(String prompt) {
        List<Boolean> turns = strictTurns(prompt);
        List<String> problems = new ArrayList<>(3);
        if (!turns.contains(Boolean.TRUE) || !turns.get(0)) {
            problems.add(ClaudeTextCodec.MUST_START);
        }
        for (int i = 1; i < turns.size(); i++) {
            if (turns.get(i).equals(turns.get(i - 1))) {
                problems.add(ClaudeTextCodec.MUST_ALTERNATE);
                break;
            }
        }
        if (turns.isEmpty() || turns.get(turns.size() - 1)) {
            problems.add(ClaudeTextCodec.MUST_END);
        }
        return problems;
    }

    /**
     * Whatever the strict rule accepts, or: markers at line starts, at least one {@code Human:}, and the last marker
     * {@code Assistant:}.
     */
    static List<String> lenientProblems(String prompt) {
        List<Boolean> turns = lineStartTurns(prompt);
        List<String> problems = new ArrayList<>(2);
        if (!turns.contains(Boolean.TRUE)) {
            problems.add(ClaudeTextCodec.MUST_START);
        }
        if (turns.isEmpty() || turns.get(turns.size() - 1)) {
            problems.add(ClaudeTextCodec.MUST_END);
        }
        // A prefill that itself contains a line starting with "Human:" is the one shape strict accepts and the
        // line-start reading does not; lenient must never refuse what strict accepts.
        return problems.isEmpty() || strictProblems(prompt).isEmpty() ? List.of() : problems;
    }

    /** The {@code "\n\nHuman:"} (true) and {@code "\n\nAssistant:"} (false) markers, in order. */
    private static List<Boolean> strictTurns(String prompt) {
        List<Boolean> turns = new ArrayList<>();
        // Each marker kind's next position is searched again only once it was consumed: linear in the prompt.
        int human = prompt.indexOf(ClaudeTextCodec.HUMAN);
        int assistant = prompt.indexOf(ClaudeTextCodec.ASSISTANT);
        while (human >= 0 || assistant >= 0) {
            if (assistant < 0 || (human >= 0 && human < assistant)) {
                turns.add(Boolean.TRUE);
                human = prompt.indexOf(ClaudeTextCodec.HUMAN, human + ClaudeTextCodec.HUMAN.length());
            } else {
                turns.add(Boolean.FALSE);
                assistant = prompt.indexOf(ClaudeTextCodec.ASSISTANT, assistant + ClaudeTextCodec.ASSISTANT.length());
            }
        }
        return turns;
    }

    /** {@code Human:} (true) and {@code Assistant:} (false) at the prompt's start or right after a newline. */
    private static List<Boolean> lineStartTurns(String prompt) {
        List<Boolean> turns = new ArrayList<>();
        int lineStart = 0;
        while (lineStart <= prompt.length()) {
            if (prompt.startsWith(HUMAN_WORD, lineStart)) {
                turns.add(Boolean.TRUE);
            } else if (prompt.startsWith(ASSISTANT_WORD, lineStart)) {
                turns.add(Boolean.FALSE);
            }
            int newline = prompt.indexOf('\n', lineStart);
            if (newline < 0) {
                return turns;
            }
            lineStart = newline + 1;
        }
        return turns;
    }
}
