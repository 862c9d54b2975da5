package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * A turn waiting for its caller: the agent chose an operation of a RETURN_CONTROL group, the stream ended with
 * {@code returnControl}, and the next InvokeAgent of the session carrying this {@code invocationId} and the
 * operation's results continues the turn with them as the observation.
 *
 * @param traceId the step's, so the observation continues its trace
 */
record ReturnedControl(String invocationId, String traceId, ActionSchemas.Callable callable, JsonNode action,
                       AgentOrchestrator.Progress progress) {

    /**
     * The {@code returnControl} event: the ReturnControlPayload with one {@code apiInvocationInput} (or
     * {@code functionInvocationInput} for a function schema), its parameters and body as the Lambda event has them.
     */
    static ObjectNode payload(String invocationId, AgentSnapshot agent, ActionSchemas.Callable c,
                              ObjectNode event) {
        ObjectNode payload = Json.MAPPER.createObjectNode().put("invocationId", invocationId);
        ObjectNode input = payload.putArray("invocationInputs").addObject();
        ObjectNode member;
        if (c.action().isFunction()) {
            member = input.putObject("functionInvocationInput").put("actionGroup", c.group().name())
                    .put("agentId", agent.agentId()).put("function", c.action().apiPath());
            member.set("parameters", event.get("parameters"));
        } else {
            member = input.putObject("apiInvocationInput").put("actionGroup", c.group().name())
                    .put("agentId", agent.agentId()).put("apiPath", c.action().apiPath())
                    .put("httpMethod", event.path("httpMethod").asText());
            member.set("parameters", event.get("parameters"));
            if (event.has("requestBody")) {
                member.set("requestBody", event.get("requestBody"));
            }
        }
        member.put("actionInvocationType", "RESULT");
        return payload;
    }

    /** The observation the results make: each result's response body, in order. */
    static String resultText(JsonNode results) {
        List<String> bodies = new ArrayList<>();
        for (JsonNode r : results) {
            JsonNode result = r.has("apiResult") ? r.get("apiResult") : r.path("functionResult");
            result.path("responseBody").forEach(content -> bodies.add(content.path("body").asText("")));
        }
        return String.join("\n", bodies);
    }
}
