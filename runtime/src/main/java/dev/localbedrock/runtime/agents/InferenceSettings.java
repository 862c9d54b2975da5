package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

/**
 * A prompt's inference configuration: the agent's
 * {@code promptOverrideConfiguration.promptConfigurations[type].inferenceConfiguration} where given, member by
 * member, else Bedrock's defaults for orchestration, for pre- and post-processing too (temperature 0, topP 1,
 * topK 250, 2048 tokens). Stop sequences are reported but not applied: a stop sequence would cut the constrained
 * JSON.
 */
public record InferenceSettings(int maximumLength, float temperature, float topP, int topK, JsonNode stopSequences) {
    static final InferenceSettings DEFAULTS = new InferenceSettings(2048, 0f, 1f, 250,
            Json.MAPPER.createArrayNode().add("</invoke>").add("</answer>").add("</error>"));

    static InferenceSettings of(JsonNode promptOverride) {
        return of(promptOverride, "ORCHESTRATION");
    }

    /** The settings of {@code promptType}'s prompt (PRE_PROCESSING, ORCHESTRATION, POST_PROCESSING). */
    static InferenceSettings of(JsonNode promptOverride, String promptType) {
        if (promptOverride == null) {
            return DEFAULTS;
        }
        for (JsonNode c : promptOverride.path("promptConfigurations")) {
            if (promptType.equals(c.path("promptType").asText()) && c.has("inferenceConfiguration")) {
                JsonNode i = c.get("inferenceConfiguration");
                return new InferenceSettings(i.path("maximumLength").asInt(DEFAULTS.maximumLength),
                        (float) i.path("temperature").asDouble(DEFAULTS.temperature),
                        (float) i.path("topP").asDouble(DEFAULTS.topP), i.path("topK").asInt(DEFAULTS.topK),
                        i.has("stopSequences") ? i.get("stopSequences") : DEFAULTS.stopSequences);
            }
        }
        return DEFAULTS;
    }

    /** The trace's {@code inferenceConfiguration}. */
    ObjectNode toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode().put("maximumLength", maximumLength)
                .put("temperature", temperature).put("topP", topP).put("topK", topK);
        n.set("stopSequences", stopSequences.deepCopy());
        return n;
    }
}
