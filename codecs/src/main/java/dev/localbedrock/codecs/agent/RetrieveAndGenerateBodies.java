package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.util.List;
import java.util.regex.Pattern;

/**
 * RetrieveAndGenerate's bodies (bedrock-agent-runtime 2023-07-26): the question, the knowledge base and the model,
 * how to search, the prompt template and the inference settings in; the answer, its citations and the session id
 * out. Only {@code type: KNOWLEDGE_BASE} is taken: {@code EXTERNAL_SOURCES} (documents sent with the request) and the
 * members this server does not act on are refused by name rather than ignored.
 */
public final class RetrieveAndGenerateBodies {
    static final int MAX_INPUT = 1000;
    static final int MAX_TEMPLATE = 4000;
    private static final Pattern KNOWLEDGE_BASE_ID = Pattern.compile("[0-9a-zA-Z]+");
    private static final Pattern MODEL_ARN = Pattern.compile("(arn:aws(-[^:]+)?:(bedrock|sagemaker):[a-z0-9-]{1,20}:"
            + "([0-9]{12})?:([a-z-]+/)?)?([a-z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(/[a-z0-9]{1,12})?");
    private static final Pattern SESSION_ID = Pattern.compile("[0-9a-zA-Z._:-]+");

    private RetrieveAndGenerateBodies() {
    }

    /**
     * A RetrieveAndGenerate body. {@code promptTemplate}, {@code temperature}, {@code topP}, {@code maxTokens} and
     * {@code sessionId} are null when not given.
     */
    public record Request(String text, String knowledgeBaseId, String modelArn, RetrieveBodies.Search search,
                          String promptTemplate, Float temperature, Float topP, Integer maxTokens,
                          List<String> stopSequences, String sessionId) {
    }

    /** One sentence of the answer, {@code [start, end]} its characters in the answer (end inclusive). */
    public record Citation(String text, int start, int end, List<RetrieveBodies.Result> references) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Request read(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        AgentJson.Reader input = in.object("input", true);
        String text = input == null ? null : input.string("text", true, 0, MAX_INPUT, null, null);
        String sessionId = in.string("sessionId", false, 2, 100, SESSION_ID, "^[0-9a-zA-Z._:-]+$");
        for (String unsupported : List.of("sessionConfiguration", "userContext")) {
            if (in.has(unsupported)) {
                in.refuse(unsupported, "is not supported.");
            }
        }
        AgentJson.Reader config = in.object("retrieveAndGenerateConfiguration", false);
        if (config == null) {
            // The model leaves it optional, but without it there is nothing to retrieve from.
            v.add("retrieveAndGenerateConfiguration", null, "Member must not be null");
            v.throwIfAny();
        }
        String type = config.oneOf("type", true, List.of("KNOWLEDGE_BASE", "EXTERNAL_SOURCES"));
        if ("EXTERNAL_SOURCES".equals(type) || config.has("externalSourcesConfiguration")) {
            config.refuse("type", "EXTERNAL_SOURCES is not supported: this server answers from knowledge bases;"
                    + " send type KNOWLEDGE_BASE with knowledgeBaseConfiguration.");
        }
        AgentJson.Reader kb = "KNOWLEDGE_BASE".equals(type) ? config.object("knowledgeBaseConfiguration", true)
                : null;
        v.throwIfAny();
        if (kb == null) {
            return null; // unreachable: a missing type or configuration was recorded above
        }
        String knowledgeBaseId = kb.string("knowledgeBaseId", true, 0, 10, KNOWLEDGE_BASE_ID, "^[0-9a-zA-Z]+$");
        String modelArn = kb.string("modelArn", true, 1, 2048, MODEL_ARN, "^(arn:aws(-[^:]+)?:(bedrock|sagemaker)"
                + ":[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+/)?)?([a-z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?"
                + "(/[a-z0-9]{1,12})?$");
        if (kb.has("orchestrationConfiguration")) {
            kb.refuse("orchestrationConfiguration", "is not supported: the question is searched as it is asked.");
        }
        RetrieveBodies.Search search = RetrieveBodies.search(kb.object("retrievalConfiguration", false), v);
        AgentJson.Reader generation = kb.object("generationConfiguration", false);
        String template = null;
        Float temperature = null;
        Float topP = null;
        Integer maxTokens = null;
        List<String> stops = List.of();
        if (generation != null) {
            for (String unsupported : List.of("additionalModelRequestFields", "guardrailConfiguration",
                    "performanceConfig")) {
                if (generation.has(unsupported)) {
                    generation.refuse(unsupported, "is not supported.");
                }
            }
            AgentJson.Reader prompt = generation.object("promptTemplate", false);
            if (prompt != null) {
                template = prompt.string("textPromptTemplate", false, 1, MAX_TEMPLATE, null, null);
            }
            AgentJson.Reader inference = generation.object("inferenceConfig", false);
            AgentJson.Reader textConfig = inference == null ? null : inference.object("textInferenceConfig", false);
            if (textConfig != null) {
                temperature = unit(textConfig, "temperature");
                topP = unit(textConfig, "topP");
                maxTokens = textConfig.integer("maxTokens", false, 0, 65536);
                stops = textConfig.strings("stopSequences", 0, 4, 1, 1000);
            }
        }
        v.throwIfAny();
        return new Request(text, knowledgeBaseId, modelArn, search, template, temperature, topP, maxTokens, stops,
                sessionId);
    }

    /** A float in 0..1; null when absent or bad (recorded). */
    private static Float unit(AgentJson.Reader in, String key) {
        JsonNode n = in.node().get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            in.violations().add(in.path(key), n, "Member must be a number");
            return null;
        }
        double d = n.doubleValue();
        if (d < 0 || d > 1) {
            in.violations().add(in.path(key), d, "Member must have value between 0 and 1");
            return null;
        }
        return (float) d;
    }

    /** RetrieveAndGenerate's answer. */
    public static ObjectNode response(String text, List<Citation> citations, String sessionId) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.putObject("output").put("text", text);
        ArrayNode list = out.putArray("citations");
        for (Citation c : citations) {
            ObjectNode n = list.addObject();
            n.putObject("generatedResponsePart").putObject("textResponsePart").put("text", c.text())
                    .putObject("span").put("start", c.start()).put("end", c.end());
            ArrayNode refs = n.putArray("retrievedReferences");
            for (RetrieveBodies.Result r : c.references()) {
                ObjectNode ref = refs.addObject();
                ref.putObject("content").put("type", "TEXT").put("text", r.text());
                ref.putObject("location").put("type", "S3").putObject("s3Location").put("uri", r.uri());
                ObjectNode metadata = ref.putObject("metadata");
                r.metadata().forEach(metadata::put);
            }
        }
        out.put("sessionId", sessionId);
        return out;
    }
}
