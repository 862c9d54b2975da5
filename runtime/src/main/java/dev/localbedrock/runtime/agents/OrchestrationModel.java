package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.chat.ChatMessage;

import java.util.List;

/** The agent's foundation model as the orchestration loop uses it: render a prompt, then generate constrained. */
public interface OrchestrationModel {

    /**
     * What one step generated. {@code complete} is false when the JSON was cut short: by the step's token limit, or
     * because the prompt left less room in the model's context than that limit.
     */
    record Output(String text, int inputTokens, int outputTokens, boolean complete) {
    }

    /** The model failed, or the step was abandoned (the client went away). */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** The prompt text {@code system} and {@code messages} become under the model's chat template. */
    String render(List<String> system, List<ChatMessage> messages, InferenceSettings settings) throws Unavailable;

    /** How many tokens the model's context still holds after {@code prompt}: at most that many can be generated. */
    int contextRoom(String prompt) throws Unavailable;

    /** Generates from {@code prompt}, constrained to {@code schema}; blocks until done. */
    Output generate(String prompt, JsonNode schema, InferenceSettings settings) throws Unavailable,
            InterruptedException;
}
