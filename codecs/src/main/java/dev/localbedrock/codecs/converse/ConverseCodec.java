package dev.localbedrock.codecs.converse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.chat.ChatCodec;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatStreamEncoder;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Converse and ConverseStream ({@code POST /model/{modelId}/converse}, {@code /converse-stream}) as the AWS SDKs
 * send them (restJson1; member names and constraints from the bedrock-runtime service model). One instance per
 * model: the family's sampling defaults and the model's token limit are fixed at construction. Thread-safe.
 *
 * <p>What is read, what is refused and why is in docs/converse.md; in short: text, toolUse and toolResult blocks
 * (text and json results), text system blocks, {@code inferenceConfig}, {@code toolConfig} with toolSpec tools,
 * the family's top-k in {@code additionalModelRequestFields}, and {@code /stop_sequence} in
 * {@code additionalModelResponseFieldPaths}. Images, documents, video, audio, guardrails and structured output are
 * refused with ValidationException; prompt-cache points, request metadata, prompt variables, performance and
 * service-tier settings are accepted and have no effect.
 */
public final class ConverseCodec implements ChatCodec {

    /** Stop sequences: the service model allows 2,500; this server matches each on every token, so it bounds them. */
    static final int MAX_STOP_SEQUENCES = 64;
    static final int MAX_STOP_SEQUENCE_LENGTH = 256;

    static final String MAX_TOKENS_PATH = "inferenceConfig.maxTokens";
    static final String TEMPERATURE_PATH = "inferenceConfig.temperature";
    static final String TOP_P_PATH = "inferenceConfig.topP";
    static final String STOP_SEQUENCES_PATH = "inferenceConfig.stopSequences";

    /** The one native response field this server can return through {@code additionalModelResponseFieldPaths}. */
    static final String STOP_SEQUENCE_POINTER = "/stop_sequence";

    private static final String MODEL_ERRORS = "The model returned the following errors: ";
    private static final SecureRandom IDS = new SecureRandom();
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final ConverseFamily family;
    /** The inferenceConfig table: this model's maxTokens default and limit, the family's sampling defaults. */
    private final BodyShape inferenceShape;

    /**
     * @param family           the model family's defaults and top-k key
     * @param defaultMaxTokens {@code maxTokens} when the request sends none
     * @param maxTokensLimit   the largest {@code maxTokens} the model accepts (Bedrock documents the default as the
     *                         model's maximum: pass the same value for both to behave exactly so)
     */
    public ConverseCodec(ConverseFamily family, int defaultMaxTokens, int maxTokensLimit) {
        if (defaultMaxTokens < 1 || maxTokensLimit < defaultMaxTokens) {
            throw new IllegalArgumentException("need 1 <= defaultMaxTokens <= maxTokensLimit, not " + defaultMaxTokens
                    + " and " + maxTokensLimit);
        }
        this.family = Objects.requireNonNull(family, "family");
        this.inferenceShape = BodyShape.of(null,
                BodyParameter.integer(MAX_TOKENS_PATH, 1, maxTokensLimit, defaultMaxTokens,
                        "The most tokens to generate (this model's limit is the maximum)."),
                BodyParameter.number(TEMPERATURE_PATH, 0, 1, family.temperature(),
                        "Randomness: lower is more deterministic; 0 always picks the most likely token."),
                BodyParameter.number(TOP_P_PATH, 0, 1, family.topP(),
                        "Nucleus sampling: keep the most likely tokens up to this probability mass."),
                BodyParameter.stringList(STOP_SEQUENCES_PATH, MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH,
                        "Text that ends the generation when the model produces it; not included in the output."));
    }

    /**
     * The {@code inferenceConfig} members as a table (no prompt path: the input is {@code messages}), with this
     * model's defaults and limit; {@link #decodeRequest} reads them through it. {@code maxTokens} above the maximum
     * is refused in Bedrock's sentence about the model limit rather than as a constraint violation.
     */
    public BodyShape inferenceShape() {
        return inferenceShape;
    }

    public ConverseFamily family() {
        return family;
    }

    /** A fresh Converse tool-call id, shaped like Bedrock's ({@code tooluse_} and 22 URL-safe characters). */
    @Override
    public String toolUseId() {
        return newToolUseId();
    }

    public static String newToolUseId() {
        StringBuilder id = new StringBuilder("tooluse_");
        for (int i = 0; i < 22; i++) {
            id.append(ID_ALPHABET[IDS.nextInt(ID_ALPHABET.length)]);
        }
        return id.toString();
    }

    @Override
    public ChatRequest decodeRequest(byte[] body) {
        JsonNode root = ConverseRequestReader.parse(body);
        ConverseRequestReader reader = new ConverseRequestReader(inferenceShape);
        List<ChatMessage> messages = reader.messages(root.get("messages"));
        List<String> system = reader.system(root.get("system"));
        ConverseRequestReader.Inference inference = reader.inference(root.get("inferenceConfig"));
        ToolConfig tools = reader.toolConfig(root.get("toolConfig"));
        List<String> responsePaths = reader.responseFieldPaths(root.get("additionalModelResponseFieldPaths"));
        JsonNode extras = root.get("additionalModelRequestFields");
        if (!ConverseRequestReader.absent(extras) && !extras.isObject()) {
            reader.violations.add("'" + extras.getNodeType().name().toLowerCase() + "'", "additionalModelRequestFields",
                    "Member must be a JSON object");
        }
        refuseUnsupported(root, reader);
        OutputConstraint outputFormat = outputFormat(root.get("outputConfig"), reader);
        if (outputFormat != null && tools != null && tools.choice().mode() != dev.localbedrock.codecs.chat.ToolChoice.Mode.AUTO) {
            reader.rule("outputConfig cannot be combined with a toolChoice that requires a tool call.");
        }
        if (tools == null && usesTools(messages)) {
            reader.rule("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
        }
        int maxTokensLimit = inferenceShape.parameter(MAX_TOKENS_PATH).max().intValue();
        if (inference.maxTokens() != null && inference.maxTokens() > maxTokensLimit) {
            reader.rule("The maximum tokens you requested exceeds the model limit of " + maxTokensLimit
                    + ". Try again with a maximum tokens value that is lower than " + maxTokensLimit + ".");
        }
        reader.throwIfInvalid();
        int topK = topK(extras);

        double temperature = inference.temperature() == null
                ? inferenceShape.parameter(TEMPERATURE_PATH).defaultNumber() : inference.temperature();
        double topP = inference.topP() == null
                ? inferenceShape.parameter(TOP_P_PATH).defaultNumber() : inference.topP();
        SamplingParameters sampling = new SamplingParameters(SamplingValues.temperature(temperature),
                family.samplerTopP(topP), topK, null);
        int maxTokens = inference.maxTokens() == null
                ? inferenceShape.parameter(MAX_TOKENS_PATH).defaultInteger() : inference.maxTokens();
        return new ChatRequest(system, messages, maxTokens, sampling, inference.stopSequences(), tools, responsePaths,
                outputFormat);
    }

    /** Features with a meaning this server cannot honour: refusing beats silently answering without them. */
    private static void refuseUnsupported(JsonNode root, ConverseRequestReader reader) {
        if (!ConverseRequestReader.absent(root.get("guardrailConfig"))) {
            reader.rule("guardrailConfig is not supported by this model: guardrails are not available on this server."
                    + " Remove guardrailConfig and try again.");
        }
    }

    /**
     * Structured output: {@code outputConfig.textFormat} of type {@code json_schema} with the schema as a JSON string
     * in {@code structure.jsonSchema.schema}. The answer's text is then held to it by constrained decoding.
     */
    static OutputConstraint outputFormat(JsonNode config, ConverseRequestReader reader) {
        if (ConverseRequestReader.absent(config)) {
            return null;
        }
        JsonNode format = config.path("textFormat");
        if (format.isMissingNode() || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText("");
        if (!type.equals("json_schema")) {
            reader.violations.add("'" + type + "'", "outputConfig.textFormat.type",
                    "Member must satisfy enum value set: [json_schema]");
            return null;
        }
        JsonNode schemaText = format.path("structure").path("jsonSchema").path("schema");
        if (!schemaText.isTextual()) {
            reader.rule("outputConfig.textFormat.structure.jsonSchema.schema must be a JSON Schema written as a "
                    + "string.");
            return null;
        }
        try {
            JsonNode schema = Json.MAPPER.readTree(schemaText.asText());
            if (schema == null || !(schema.isObject() || schema.isBoolean())) {
                reader.rule("outputConfig.textFormat.structure.jsonSchema.schema must be a JSON Schema object.");
                return null;
            }
            return new OutputConstraint(schema);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            reader.rule("outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON: "
                    + e.getOriginalMessage());
            return null;
        }
    }

    private static boolean usesTools(List<ChatMessage> messages) {
        for (ChatMessage message : messages) {
            for (ContentBlock block : message.content()) {
                if (block instanceof ContentBlock.ToolUse || block instanceof ContentBlock.ToolResult) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The family's top-k from {@code additionalModelRequestFields}. Bedrock merges those fields into the model's
     * native body, whose schema refuses what it does not know; so does this, in the same words.
     */
    private int topK(JsonNode extras) {
        if (ConverseRequestReader.absent(extras) || extras.isEmpty()) {
            return family.defaultTopK();
        }
        Set<String> known = family.topKKey() == null ? Set.of() : Set.of(family.topKKey());
        try {
            RequestBodyReader reader = RequestBodyReader.parse(Json.MAPPER.writeValueAsBytes(extras), known);
            int topK = family.topKKey() == null ? family.defaultTopK()
                    : reader.integer(family.topKKey(), 0, family.maxTopK(), family.defaultTopK());
            reader.validate();
            return topK;
        } catch (BedrockException e) {
            throw BedrockException.validation(MODEL_ERRORS + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("a parsed JSON object always serialises", e);
        }
    }

    @Override
    public byte[] encodeResponse(ChatRequest request, ChatOutcome outcome) {
        return Json.write(256, g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("output");
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            g.writeArrayFieldStart("content");
            for (ContentBlock block : outcome.content()) {
                writeBlock(g, block);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
            g.writeStringField("stopReason", outcome.stopReason().wire());
            writeUsage(g, outcome.inputTokens(), outcome.outputTokens());
            g.writeObjectFieldStart("metrics");
            g.writeNumberField("latencyMs", outcome.latencyMs());
            g.writeEndObject();
            writeResponseFields(g, request, outcome.stopSequence());
            g.writeEndObject();
        });
    }

    @Override
    public ChatStreamEncoder openStream(ChatRequest request) {
        return new ConverseStreamEncoder(request);
    }

    static void writeUsage(JsonGenerator g, int inputTokens, int outputTokens) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("inputTokens", inputTokens);
        g.writeNumberField("outputTokens", outputTokens);
        g.writeNumberField("totalTokens", inputTokens + outputTokens);
        g.writeEndObject();
    }

    /**
     * {@code additionalModelResponseFields}: the asked-for pointers this server has a value for ({@code
     * /stop_sequence}); the others are left out, as Bedrock leaves out a valid pointer to a field the model's
     * response lacks. Nothing is written when no pointer resolves.
     */
    static void writeResponseFields(JsonGenerator g, ChatRequest request, String stopSequence) throws IOException {
        if (!request.responseFieldPaths().contains(STOP_SEQUENCE_POINTER)) {
            return;
        }
        g.writeObjectFieldStart("additionalModelResponseFields");
        if (stopSequence == null) {
            g.writeNullField("stop_sequence");
        } else {
            g.writeStringField("stop_sequence", stopSequence);
        }
        g.writeEndObject();
    }

    private static void writeBlock(JsonGenerator g, ContentBlock block) throws IOException {
        g.writeStartObject();
        if (block instanceof ContentBlock.Text t) {
            g.writeStringField("text", t.text());
        } else if (block instanceof ContentBlock.ToolUse use) {
            g.writeObjectFieldStart("toolUse");
            g.writeStringField("toolUseId", use.toolUseId());
            g.writeStringField("name", use.name());
            g.writeFieldName("input");
            Json.MAPPER.writeTree(g, use.input());
            g.writeEndObject();
        } else {
            throw new IllegalArgumentException("an assistant turn carries text and tool calls, not " + block);
        }
        g.writeEndObject();
    }
}
