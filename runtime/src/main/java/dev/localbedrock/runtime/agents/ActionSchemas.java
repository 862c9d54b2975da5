package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.agent.ActionGroupDefinition;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one orchestration step may output: a {@code oneOf} of one object per enabled operation
 * ({@code {"thought","action":"call","actionGroup","apiPath","verb","parameters","requestBody"}}, the parameters and
 * body typed by the operation's OpenAPI schemas; groups whose function runs here and RETURN_CONTROL groups alike), one
 * search per associated knowledge base ({@code {"thought","action":"search","knowledgeBaseId","query"}}), a question
 * back to the user when the agent has the AMAZON.UserInput group ({@code {"thought","action":"ask_user","question"}})
 * and the answer ({@code {"thought","action":"answer","text"}}).
 * The branches differ by constants, so exactly one matches any output. Generation is constrained to
 * {@link #grammar()} (the schema less the keywords the grammar compiler refuses: {@code pattern}, {@code multipleOf},
 * ...), and the output is then checked against the {@link #validate original}, whose ranges and patterns the grammar
 * does not enforce.
 */
public final class ActionSchemas {
    static final int THOUGHT_MAX = 400;
    static final int ANSWER_MAX = 2000;
    static final int QUERY_MAX = 300;
    /** The keywords the grammar compiler understands (or ignores); everything else is dropped from its copy. */
    private static final Set<String> GRAMMAR_KEYWORDS = Set.of("type", "nullable", "properties", "required",
            "additionalProperties", "items", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "anyOf", "oneOf", "allOf", "description",
            "title", "format", "default");
    private static final JsonSchemaFactory VALIDATORS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    /** One callable operation with the action group offering it. */
    public record Callable(AgentSnapshot.ActionGroup group, ApiAction action) {
    }

    /** PRE_PROCESSING's verdict on the input: the reason first, so the verdict follows from it. */
    static final ActionSchemas PRE_PROCESSING = fixed("""
            {"type":"object","properties":{"rationale":{"type":"string","maxLength":400},"isValid":{"type":"boolean"}},
             "required":["rationale","isValid"],"additionalProperties":false}""");
    /** POST_PROCESSING's rewritten answer. */
    static final ActionSchemas POST_PROCESSING = fixed("""
            {"type":"object","properties":{"text":{"type":"string","minLength":1,"maxLength":2000}},
             "required":["text"],"additionalProperties":false}""");

    private final ObjectNode original;
    private final ObjectNode grammar;
    private final JsonSchema validator;
    private final List<Callable> callables;

    private ActionSchemas(ObjectNode original, List<Callable> callables) {
        this.original = original;
        this.grammar = (ObjectNode) grammarCopy(original);
        this.validator = VALIDATORS.getSchema(original);
        this.callables = List.copyOf(callables);
    }

    private static ActionSchemas fixed(String schema) {
        try {
            return new ActionSchemas((ObjectNode) Json.MAPPER.readTree(schema), List.of());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schema of a step of {@code agent}: its callable operations, or only the answer when {@code answerOnly}. */
    public static ActionSchemas of(AgentSnapshot agent, boolean answerOnly) {
        List<Callable> callables = new ArrayList<>();
        ObjectNode schema = Json.MAPPER.createObjectNode();
        ArrayNode oneOf = schema.putArray("oneOf");
        boolean askUser = false;
        if (!answerOnly) {
            for (AgentSnapshot.ActionGroup g : agent.actionGroups()) {
                if (ActionGroupDefinition.USER_INPUT.equals(g.parentSignature())) {
                    askUser = true;
                    continue;
                }
                if (g.functionUrl() == null && !g.returnControl()) {
                    continue;
                }
                for (ApiAction a : g.actions()) {
                    callables.add(new Callable(g, a));
                    oneOf.add(callBranch(g, a));
                }
            }
            for (AgentSnapshot.KnowledgeBase kb : agent.knowledgeBases()) {
                oneOf.add(searchBranch(kb));
            }
            if (askUser) {
                oneOf.add(textBranch("ask_user", "question"));
            }
        }
        oneOf.add(textBranch("answer", "text"));
        return new ActionSchemas(schema, callables);
    }

    private static ObjectNode callBranch(AgentSnapshot.ActionGroup g, ApiAction a) {
        ObjectNode branch = Json.MAPPER.createObjectNode().put("type", "object");
        ObjectNode props = branch.putObject("properties");
        props.set("thought", thought());
        props.putObject("action").put("const", "call");
        props.putObject("actionGroup").put("const", g.name());
        props.putObject("apiPath").put("const", a.apiPath());
        if (a.verb() != null) {
            props.putObject("verb").put("const", a.verb());
        }
        ArrayNode required = branch.putArray("required").add("thought").add("action").add("actionGroup")
                .add("apiPath");
        if (a.verb() != null) {
            required.add("verb");
        }
        if (!a.parameters().isEmpty()) {
            ObjectNode params = props.putObject("parameters").put("type", "object");
            ObjectNode paramProps = params.putObject("properties");
            ArrayNode paramRequired = params.putArray("required");
            for (ApiAction.Parameter p : a.parameters()) {
                paramProps.set(p.name(), p.schema() == null ? Json.MAPPER.createObjectNode().put("type", "string")
                        : p.schema().deepCopy());
                if (p.required()) {
                    paramRequired.add(p.name());
                }
            }
            params.put("additionalProperties", false);
            required.add("parameters");
        }
        if (a.requestBody() != null) {
            props.set("requestBody", a.requestBody().deepCopy());
            if (a.requestBodyRequired()) {
                required.add("requestBody");
            }
        }
        branch.put("additionalProperties", false);
        return branch;
    }

    /** A search of one associated knowledge base: the id is a constant, so the branch names its base. */
    private static ObjectNode searchBranch(AgentSnapshot.KnowledgeBase kb) {
        ObjectNode branch = Json.MAPPER.createObjectNode().put("type", "object");
        ObjectNode props = branch.putObject("properties");
        props.set("thought", thought());
        props.putObject("action").put("const", "search");
        props.putObject("knowledgeBaseId").put("const", kb.knowledgeBaseId());
        props.putObject("query").put("type", "string").put("minLength", 1).put("maxLength", QUERY_MAX);
        branch.putArray("required").add("thought").add("action").add("knowledgeBaseId").add("query");
        branch.put("additionalProperties", false);
        return branch;
    }

    /** The answer ({@code text}) or, with AMAZON.UserInput, a question back to the user ({@code question}). */
    private static ObjectNode textBranch(String action, String member) {
        ObjectNode branch = Json.MAPPER.createObjectNode().put("type", "object");
        ObjectNode props = branch.putObject("properties");
        props.set("thought", thought());
        props.putObject("action").put("const", action);
        props.putObject(member).put("type", "string").put("minLength", 1).put("maxLength", ANSWER_MAX);
        branch.putArray("required").add("thought").add("action").add(member);
        branch.put("additionalProperties", false);
        return branch;
    }

    private static ObjectNode thought() {
        return Json.MAPPER.createObjectNode().put("type", "string").put("maxLength", THOUGHT_MAX);
    }

    /** A copy the grammar compiler accepts: unknown keywords dropped, at every depth. */
    static JsonNode grammarCopy(JsonNode schema) {
        if (!schema.isObject()) {
            return schema.deepCopy();
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = schema.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String k = f.getKey();
            JsonNode v = f.getValue();
            if (!GRAMMAR_KEYWORDS.contains(k)) {
                continue;
            }
            switch (k) {
                case "properties" -> {
                    ObjectNode props = out.putObject(k);
                    v.fields().forEachRemaining(p -> props.set(p.getKey(), grammarCopy(p.getValue())));
                }
                case "items", "additionalProperties" -> out.set(k, grammarCopy(v));
                case "anyOf", "oneOf", "allOf" -> {
                    ArrayNode branches = out.putArray(k);
                    v.forEach(b -> branches.add(grammarCopy(b)));
                }
                // OpenAPI 3.0 writes exclusive bounds as booleans; the grammar ignores bounds anyway.
                case "exclusiveMinimum", "exclusiveMaximum" -> {
                    if (v.isNumber()) {
                        out.set(k, v);
                    }
                }
                default -> out.set(k, v.deepCopy());
            }
        }
        return out;
    }

    /** The schema generation is constrained to. */
    public ObjectNode grammar() {
        return grammar;
    }

    /** The schema as built, with every keyword of the operations' schemas. */
    public ObjectNode original() {
        return original;
    }

    /** What is wrong with {@code output} against the original schema; empty when it is valid. */
    public List<String> validate(JsonNode output) {
        Set<ValidationMessage> problems = validator.validate(output);
        return problems.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.toList());
    }

    /** The operation a valid {@code call} output names. */
    public Callable callable(JsonNode output) {
        for (Callable c : callables) {
            if (c.group().name().equals(output.path("actionGroup").asText())
                    && c.action().apiPath().equals(output.path("apiPath").asText())
                    && (c.action().verb() == null || c.action().verb().equals(output.path("verb").asText()))) {
                return c;
            }
        }
        throw new IllegalStateException("no operation matches a validated call: " + output);
    }
}
