package dev.localbedrock.codecs;

import java.util.List;
import java.util.Objects;

/**
 * The family-neutral request a text codec produces and the runtime schedules. Every family maps its own field
 * names, ranges and defaults onto this; nothing downstream knows which family a request came from.
 *
 * @param prompt        the text to continue, exactly as the model should see it
 * @param maxTokens     the most tokens to generate (family's limit already validated)
 * @param sampling      how to pick each token
 * @param stopSequences strings that end the generation when produced (not included in the output)
 */
public record TextGenerationRequest(String prompt, int maxTokens, SamplingParameters sampling,
                                    List<String> stopSequences) {
    public TextGenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        stopSequences = stopSequences == null ? List.of() : List.copyOf(stopSequences);
    }
}
