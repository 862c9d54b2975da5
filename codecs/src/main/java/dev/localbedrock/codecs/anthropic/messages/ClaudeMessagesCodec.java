package dev.localbedrock.codecs.anthropic.messages;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
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
import dev.localbedrock.codecs.inference.SamplingParameters;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Anthropic Messages body on InvokeModel and InvokeModelWithResponseStream, the only body Bedrock accepts for
 * {@code anthropic.claude-3-*} and later Claude ids ({@link #takesMessagesBody}). One instance per model (the
 * response names it). Thread-safe.
 *
 * <p>Request: {@code anthropic_version} (required, {@value #ANTHROPIC_VERSION}), {@code messages} (required; content a
 * string or {@code text} / {@code tool_use} / {@code tool_result} blocks; {@code image} and {@code document} are
 * refused as not supported by this model), {@code system} (string or text blocks), {@code max_tokens} (required,
 * 1..the model's limit), {@code temperature} 0..1 (default 1), {@code top_p} 0..1 (default 0.999), {@code top_k}
 * 0..500 (default 0: off), {@code stop_sequences}, {@code tools [{name, description, input_schema}]},
 * {@code tool_choice {type: auto | any | tool, name}}. Schema violations use Bedrock's JSON-schema wording (see
 * {@link RequestBodyReader}); conversation rules use Anthropic's sentences.
 *
 * <p>Response: {@code {id: "msg_bdrk_…", type: "message", role: "assistant", model, content, stop_reason,
 * stop_sequence, usage: {input_tokens, output_tokens}}}; the stream is {@code chunk} events carrying
 * {@code message_start}, {@code content_block_start}, {@code content_block_delta} ({@code text_delta} /
 * {@code input_json_delta}), {@code content_block_stop}, {@code message_delta} and {@code message_stop}, the last
 * with {@code amazon-bedrock-invocationMetrics}.
 */
public final class ClaudeMessagesCodec implements ChatCodec {

    /** The family name (models.yaml) of Claude models that take this body. */
    public static final String FAMILY = "anthropic-claude-messages";

    static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";
    /** Claude 3's output limit on Bedrock. */
    public static final int DEFAULT_MAX_TOKENS_LIMIT = 4096;
    static final double DEFAULT_TEMPERATURE = 1;
    static final double DEFAULT_TOP_P = 0.999;
    static final int MAX_TOP_K = 500;
    /** Server bounds (each stop sequence is matched on every token). */
    static final int MAX_STOP_SEQUENCES = 64;
    static final int MAX_STOP_SEQUENCE_LENGTH = 256;

    private static final Set<String> KEYS = Set.of("anthropic_version", "messages", "system", "max_tokens",
            "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice");
    private static final SecureRandom IDS = new SecureRandom();
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final String model;
    private final int maxTokensLimit;

    /**
     * @param modelId        the Bedrock model id ({@code anthropic.claude-3-haiku-20240307-v1:0}); the response's
     *                       {@code model} is its Anthropic name ({@code claude-3-haiku-20240307}), as Bedrock answers
     * @param maxTokensLimit the largest {@code max_tokens} the model accepts
     */
    public ClaudeMessagesCodec(String modelId, int maxTokensLimit) {
        if (maxTokensLimit < 1) {
            throw new IllegalArgumentException("maxTokensLimit must be at least 1, not " + maxTokensLimit);
        }
        this.model = anthropicModelName(Objects.requireNonNull(modelId, "modelId"));
        this.maxTokensLimit = maxTokensLimit;
    }

    /** With Claude 3's output limit, {@value #DEFAULT_MAX_TOKENS_LIMIT}. */
    public ClaudeMessagesCodec(String modelId) {
        this(modelId, DEFAULT_MAX_TOKENS_LIMIT);
    }

    /**
     * Whether a model id takes the Messages body on InvokeModel: every {@code anthropic.claude-*} id except the
     * text-completions generation ({@code claude-v1}, {@code claude-v2}, {@code claude-v2:1},
     * {@code claude-instant-v1}), which keeps {@code ClaudeTextCodec}. Cross-region profile prefixes
     * ({@code us.}, {@code eu.}, ...) and ARNs are looked through. (Bedrock also accepts the Messages body on the v2
     * ids; this server keeps one body per id, so that the family is a property of the model.)
     */
    public static boolean takesMessagesBody(String modelId) {
        if (modelId == null) {
            return false;
        }
        int at = modelId.indexOf("anthropic.claude-");
        if (at < 0) {
            return false;
        }
        String rest = modelId.substring(at + "anthropic.claude-".length());
        return !rest.startsWith("v1") && !rest.startsWith("v2") && !rest.startsWith("instant-");
    }

    /** {@code anthropic.claude-3-haiku-20240307-v1:0} → {@code claude-3-haiku-20240307}. */
    static String anthropicModelName(String modelId) {
        String name = modelId;
        int at = name.indexOf("anthropic.");
        if (at >= 0) {
            name = name.substring(at + "anthropic.".length());
        }
        return name.replaceFirst("-v\\d+(:\\d+)?$", "");
    }

    public String model() {
        return model;
    }

    /** A fresh tool-call id shaped like Bedrock's Claude ids ({@code toolu_bdrk_01} and 22 characters). */
    @Override
    public String toolUseId() {
        return newToolUseId();
    }

    public static String newToolUseId() {
        return "toolu_bdrk_01" + randomId(22);
    }

    static String newMessageId() {
        return "msg_bdrk_01" + randomId(22);
    }

    private static String randomId(int length) {
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(ID_ALPHABET[IDS.nextInt(ID_ALPHABET.length)]);
        }
        return id.toString();
    }

    @Override
    public ChatRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        MessagesBodyReader structure = new MessagesBodyReader(reader);
        reader.requiredOneOf("anthropic_version", List.of(ANTHROPIC_VERSION));
        JsonNode root = root(body);
        List<ChatMessage> messages = structure.messages(root.get("messages"));
        List<String> system = structure.system(root.get("system"));
        if (!reader.has("max_tokens")) {
            reader.requiredString("max_tokens"); // records Bedrock's "#: required key [max_tokens] not found"
        }
        int maxTokens = reader.integer("max_tokens", 1, maxTokensLimit, 1);
        double temperature = reader.number("temperature", 0, 1, DEFAULT_TEMPERATURE);
        double topP = reader.number("top_p", 0, 1, DEFAULT_TOP_P);
        int topK = reader.integer("top_k", 0, MAX_TOP_K, 0);
        List<String> stops = reader.stringList("stop_sequences", MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH);
        if (stops.contains("")) {
            reader.reject("stop_sequences", "an item is an empty string (expected minLength: 1)");
        }
        ToolConfig tools = structure.tools(root.get("tools"), root.get("tool_choice"));
        reader.validate();
        structure.throwIfRuleBroken();

        SamplingParameters sampling = new SamplingParameters(SamplingValues.temperature(temperature),
                SamplingValues.topPKeepingTheTopToken(topP), topK, null);
        return new ChatRequest(system, messages, maxTokens, sampling, stops, tools);
    }

    /** The body's tree; {@link RequestBodyReader#parse} has already refused anything that is not a JSON object. */
    private static JsonNode root(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("parsed once already", e);
        }
    }

    @Override
    public byte[] encodeResponse(ChatRequest request, ChatOutcome outcome) {
        return Json.write(256, g -> {
            g.writeStartObject();
            g.writeStringField("id", newMessageId());
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            for (ContentBlock block : outcome.content()) {
                writeBlock(g, block);
            }
            g.writeEndArray();
            g.writeStringField("stop_reason", outcome.stopReason().wire());
            writeStopSequence(g, outcome.stopSequence());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("input_tokens", outcome.inputTokens());
            g.writeNumberField("output_tokens", outcome.outputTokens());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    @Override
    public ChatStreamEncoder openStream(ChatRequest request) {
        return new MessagesStreamEncoder(model, newMessageId());
    }

    static void writeStopSequence(JsonGenerator g, String stopSequence) throws IOException {
        if (stopSequence == null) {
            g.writeNullField("stop_sequence");
        } else {
            g.writeStringField("stop_sequence", stopSequence);
        }
    }

    private static void writeBlock(JsonGenerator g, ContentBlock block) throws IOException {
        g.writeStartObject();
        if (block instanceof ContentBlock.Text t) {
            g.writeStringField("type", "text");
            g.writeStringField("text", t.text());
        } else if (block instanceof ContentBlock.ToolUse use) {
            g.writeStringField("type", "tool_use");
            g.writeStringField("id", use.toolUseId());
            g.writeStringField("name", use.name());
            g.writeFieldName("input");
            Json.MAPPER.writeTree(g, use.input());
        } else {
            throw new IllegalArgumentException("an assistant turn carries text and tool calls, not " + block);
        }
        g.writeEndObject();
    }
}
