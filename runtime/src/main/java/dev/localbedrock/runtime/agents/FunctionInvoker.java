package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an action group's operation as Bedrock runs its Lambda function: the guide's input event (messageVersion 1.0)
 * POSTed as JSON to the URL models.yaml {@code functions:} gives, and the function's response event read back. The
 * observation the agent sees is the response's {@code responseBody.<content type>.body}; a response saying
 * {@code httpStatusCode} 4xx/5xx is still an observation (the API answered). Anything else (no answer in time, an
 * HTTP status of 300 or more from the function itself, a body that is not the response event, a Lambda-style
 * {@code errorMessage}) is a {@link Failure}.
 */
public final class FunctionInvoker {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What the function answered: the observation text, and any session attributes it sets. */
    public record Observation(String text, Map<String, String> sessionAttributes,
                              Map<String, String> promptSessionAttributes) {
    }

    /** The function could not be run or did not answer as the contract says. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    private final HttpClient http;

    public FunctionInvoker() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    FunctionInvoker(HttpClient http) {
        this.http = http;
    }

    /** The input event for calling {@code callable} with the step's validated {@code output}. */
    public static ObjectNode event(AgentSnapshot agent, String sessionId, String inputText, ActionSchemas.Callable c,
                                   JsonNode output, Map<String, String> sessionAttributes,
                                   Map<String, String> promptSessionAttributes) {
        ObjectNode e = Json.MAPPER.createObjectNode().put("messageVersion", "1.0");
        e.putObject("agent").put("name", agent.agentName()).put("id", agent.agentId()).put("alias", agent.aliasId())
                .put("version", agent.version());
        e.put("inputText", inputText).put("sessionId", sessionId).put("actionGroup", c.group().name());
        if (c.action().isFunction()) {
            e.put("function", c.action().apiPath());
        } else {
            e.put("apiPath", c.action().apiPath()).put("httpMethod", c.action().verb().toUpperCase());
        }
        e.set("parameters", parameters(c.action(), output.path("parameters")));
        if (output.has("requestBody")) {
            ObjectNode content = e.putObject("requestBody").putObject("content");
            content.putObject("application/json").set("properties", properties(output.get("requestBody")));
        }
        ObjectNode attrs = e.putObject("sessionAttributes");
        sessionAttributes.forEach(attrs::put);
        ObjectNode prompt = e.putObject("promptSessionAttributes");
        promptSessionAttributes.forEach(prompt::put);
        return e;
    }

    /** The event's {@code parameters}: {@code [{name,type,value}]}, values as text, in the operation's order. */
    static ArrayNode parameters(ApiAction action, JsonNode values) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (ApiAction.Parameter p : action.parameters()) {
            JsonNode v = values.get(p.name());
            if (v != null) {
                list.addObject().put("name", p.name()).put("type", typeOf(p.schema(), v)).put("value", text(v));
            }
        }
        return list;
    }

    /** A JSON body's top-level members as the event's {@code properties} list. */
    static ArrayNode properties(JsonNode body) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            list.addObject().put("name", f.getKey()).put("type", typeOf(null, f.getValue()))
                    .put("value", text(f.getValue()));
        }
        return list;
    }

    private static String typeOf(JsonNode schema, JsonNode value) {
        if (schema != null && schema.path("type").isTextual()) {
            return schema.get("type").asText();
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        return value.isArray() ? "array" : "object";
    }

    private static String text(JsonNode v) {
        return v.isTextual() ? v.textValue() : v.toString();
    }

    /** POSTs {@code event} to {@code url} and reads the response event. */
    public Observation invoke(URI url, ObjectNode event) throws Failure, InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(event.toString())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new Failure("The function could not be reached: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        if (response.statusCode() >= 300) {
            throw new Failure("The function answered HTTP " + response.statusCode() + ".");
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new Failure("The function's response is not JSON.");
        }
        if (body == null || !body.isObject()) {
            throw new Failure("The function's response is not a JSON object.");
        }
        if (body.has("errorMessage")) {
            throw new Failure("The function failed: " + body.path("errorType").asText("Error") + ": "
                    + body.path("errorMessage").asText());
        }
        JsonNode r = body.get("response");
        if (r == null || !r.isObject()) {
            throw new Failure("The function's response has no 'response' object (messageVersion 1.0).");
        }
        JsonNode contents = r.path("responseBody");
        if (!contents.isObject() || contents.isEmpty()) {
            throw new Failure("The function's response has no 'response.responseBody'.");
        }
        JsonNode first = contents.elements().next();
        JsonNode text = first.get("body");
        if (text == null) {
            throw new Failure("The function's 'response.responseBody' has no 'body'.");
        }
        return new Observation(text.isTextual() ? text.textValue() : text.toString(),
                stringMap(body.get("sessionAttributes")), stringMap(body.get("promptSessionAttributes")));
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().isTextual()
                    ? f.getValue().textValue() : f.getValue().toString()));
        }
        return out;
    }
}
