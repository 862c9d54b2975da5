package dev.localbedrock.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Builds an English prompt that a given tokenizer turns into exactly {@code P} tokens (including BOS when the model
 * adds one), so every request of a benchmark pays for the same prefill whatever the tokenizer.
 *
 * <p>Words of a fixed TinyStories-style paragraph are appended while the count stays within {@code P}; the rest is
 * filled with a short word that adds exactly one token (GPT-2-style pre-tokenisation splits at spaces, so words
 * count independently). The result is verified against the tokenizer before it is returned.
 */
public final class PromptBuilder {
    private static final String[] WORDS = ("Once upon a time there was a little girl named Lily who lived in a small"
            + " house near the big forest with her mother and her dog Max. Every day she went out to play in the"
            + " garden where the flowers were red and blue and the birds sang happy songs in the tall trees. One day"
            + " Lily found a shiny key under an old rock and she wondered what it could open. She asked her mother"
            + " but her mother did not know so Lily and Max walked along the path to look for a door that the key"
            + " would fit. They saw a friendly cat a busy bee and a wise old owl who told them to look by the river."
            + " At the river there was a little wooden box and when Lily turned the key the box opened and inside"
            + " was a note that said be kind and share with your friends. Lily smiled and ran home to tell her"
            + " mother about the adventure and they had cake together before the sun went down.").split(" ");
    /** Appended after a space; then, for tokenizers where a space is a token of its own, appended directly. */
    private static final String[] FILLERS = {"the", "a", "and", "to", "of", "in", "it", "was", "he", "she", "I", "is",
        "on", "at", "x", "y", "z"};
    private static final String[] SUFFIXES = {".", ",", "!", "?", ";", ":", "-", "x", "a"};

    private PromptBuilder() {
    }

    private static List<String> candidates(boolean first) {
        List<String> out = new ArrayList<>();
        for (String f : FILLERS) {
            out.add(first ? f : " " + f);
        }
        out.addAll(List.of(SUFFIXES));
        return out;
    }

    /**
     * A prompt of exactly {@code targetTokens} tokens.
     *
     * @param countTokens the number of tokens the model sees for a prompt text (BOS included when it adds one)
     * @throws IllegalArgumentException when the target is below the count of the empty prompt plus one, or no filler
     *                                  adds exactly one token
     */
    public static String build(int targetTokens, ToIntFunction<String> countTokens) {
        int base = countTokens.applyAsInt("");
        if (targetTokens < base + 1) {
            throw new IllegalArgumentException("prompt of " + targetTokens + " tokens is too short (the empty prompt"
                    + " already has " + base + ")");
        }
        StringBuilder text = new StringBuilder();
        int count = base;
        for (int i = 0; count < targetTokens; i++) {
            String w = WORDS[i % WORDS.length];
            String candidate = text.length() == 0 ? w : text + " " + w;
            int c = countTokens.applyAsInt(candidate);
            if (c > targetTokens) {
                break;
            }
            text.setLength(0);
            text.append(candidate);
            count = c;
        }
        while (count < targetTokens) {
            boolean grew = false;
            for (String f : candidates(text.length() == 0)) {
                String candidate = text + f;
                int c = countTokens.applyAsInt(candidate);
                if (c == count + 1) {
                    text.setLength(0);
                    text.append(candidate);
                    count = c;
                    grew = true;
                    break;
                }
            }
            if (!grew) {
                throw new IllegalArgumentException("no filler word adds exactly one token at " + count + " of "
                        + targetTokens + " tokens");
            }
        }
        String prompt = text.toString();
        if (prompt.isEmpty()) {
            throw new IllegalStateException("empty prompt");
        }
        int check = countTokens.applyAsInt(prompt);
        if (check != targetTokens) {
            throw new IllegalStateException("built a prompt of " + check + " tokens instead of " + targetTokens);
        }
        return prompt;
    }
}
