package dev.localbedrock.codecs.chat;

import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.SamplingParameters;

import java.util.List;
import java.util.Objects;

/**
 * The API-neutral conversation a chat codec (Converse, the Anthropic Messages body) produces. The runtime renders it
 * into a prompt with the model's chat template and schedules it as one text generation; nothing downstream knows
 * which API it came from.
 *
 * @param system        system prompt blocks, in order (empty when none)
 * @param messages      the turns, alternating, first and last from the user (the codec validated that), or ending
 *                      with an assistant turn to continue (a prefill)
 * @param maxTokens     the most tokens to generate (the codec's default applied)
 * @param sampling      how to pick each token (family extras such as {@code top_k} included)
 * @param stopSequences strings that end the generation (not included in the output)
 * @param tools         the tools offered, or null
 * @param responseFieldPaths JSON pointers into the model's own response that the client asked to see back
 *                      (Converse {@code additionalModelResponseFieldPaths}); empty when none
 * @param outputFormat  the JSON the answer's text must be (Converse {@code outputConfig.textFormat}, structured
 *                      output), or null for free text
 */
public record ChatRequest(List<String> system, List<ChatMessage> messages, int maxTokens, SamplingParameters sampling,
                          List<String> stopSequences, ToolConfig tools, List<String> responseFieldPaths,
                          OutputConstraint outputFormat) {

    /** A request that asks for no extra response fields. */
    public ChatRequest(List<String> system, List<ChatMessage> messages, int maxTokens, SamplingParameters sampling,
                       List<String> stopSequences, ToolConfig tools) {
        this(system, messages, maxTokens, sampling, stopSequences, tools, List.of(), null);
    }

    /** Free-text answers. */
    public ChatRequest(List<String> system, List<ChatMessage> messages, int maxTokens, SamplingParameters sampling,
                       List<String> stopSequences, ToolConfig tools, List<String> responseFieldPaths) {
        this(system, messages, maxTokens, sampling, stopSequences, tools, responseFieldPaths, null);
    }

    public ChatRequest {
        responseFieldPaths = responseFieldPaths == null ? List.of() : List.copyOf(responseFieldPaths);
        system = system == null ? List.of() : List.copyOf(system);
        messages = List.copyOf(messages);
        Objects.requireNonNull(sampling, "sampling");
        stopSequences = stopSequences == null ? List.of() : List.copyOf(stopSequences);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, not " + maxTokens);
        }
    }
}
