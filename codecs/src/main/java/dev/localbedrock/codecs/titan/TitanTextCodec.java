package dev.localbedrock.codecs.titan;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Amazon Titan Text G1 ({@code amazon.titan-text-express-v1}, {@code -lite-v1}, {@code -agile-v1}), bedrock-spec
 * §2.3.
 *
 * <p>Request: {@code {"inputText": string, "textGenerationConfig": {"temperature", "topP", "maxTokenCount",
 * "stopSequences"}}}. {@code inputText} is required and non-empty; {@code textGenerationConfig} and each of its fields
 * are optional (absent or {@code null} takes the default):
 * <ul>
 *   <li>{@code temperature} number 0..1, default 0. 0 is greedy decoding, so a Titan body with no config is
 *       deterministic, as the guide's examples are.</li>
 *   <li>{@code topP} number 0..1, default 1. 1 keeps every token; 0 keeps only the most likely one (a nucleus of
 *       mass 0 still holds the top token), which the sampler receives as the smallest positive float because its
 *       own 0 means "off".</li>
 *   <li>{@code maxTokenCount} integer 0..8000, default 512.</li>
 *   <li>{@code stopSequences} array of at most {@value #MAX_STOP_SEQUENCES} non-empty strings of at most
 *       {@value #MAX_STOP_SEQUENCE_LENGTH} characters (the guide's console rule). The runtime matches them at string
 *       level and leaves them out of the text. Real Bedrock has at times accepted only one entry matching
 *       {@code ^(\|+|User:)$}; that restriction is not reproduced, since the guide documents free-form
 *       sequences and a local model has no reason to refuse them.</li>
 * </ul>
 * Titan has no top-k and no seed.
 *
 * <p>Response: {@code {"inputTextTokenCount", "results": [{"tokenCount", "outputText", "completionReason"}]}}.
 * {@code completionReason} is {@code FINISH} (end of sequence or a stop sequence) or {@code LENGTH} (the token limit
 * or the model's context); these are the live service's words, which Spring AI and LangChain4j parse as enums. The
 * guide's {@code FINISHED} is wrong. {@code CONTENT_FILTERED} exists on Bedrock but is never sent: nothing is
 * filtered here.
 *
 * <p>Stream chunk: {@code {"outputText", "index", "totalOutputTextTokenCount", "completionReason",
 * "inputTextTokenCount"}}, every key on every chunk. {@code index} is the generation's index (always 0: Titan asks
 * for one), not a chunk counter as the guide says. The three counts and the reason are {@code null} on every chunk
 * but the generation's last, which carries them all, and the stream's last chunk adds
 * {@code amazon-bedrock-invocationMetrics}. Clients rely on the nulls: Spring AI's chunk record reads
 * {@code completionReason} as an enum and treats a non-null reason as the end.
 */
public final class TitanTextCodec implements TextFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "amazon-titan-text";

    static final String INPUT_TEXT = "inputText";
    static final String CONFIG = "textGenerationConfig";
    static final String TEMPERATURE = "temperature";
    static final String TOP_P = "topP";
    static final String MAX_TOKEN_COUNT = "maxTokenCount";
    static final String STOP_SEQUENCES = "stopSequences";

    static final double DEFAULT_TEMPERATURE = 0;
    static final double DEFAULT_TOP_P = 1;
    static final int DEFAULT_MAX_TOKEN_COUNT = 512;
    static final int MAX_MAX_TOKEN_COUNT = 8000;
    static final int MAX_STOP_SEQUENCES = 4;
    static final int MAX_STOP_SEQUENCE_LENGTH = 20;

    /** §2.3's table; {@link #decodeRequest} reads the body through these. */
    static final BodyParameter TEMPERATURE_PARAMETER = BodyParameter.number(CONFIG + "." + TEMPERATURE, 0, 1,
            DEFAULT_TEMPERATURE, "Randomness: lower is more deterministic; 0 always picks the most likely token.");
    static final BodyParameter TOP_P_PARAMETER = BodyParameter.number(CONFIG + "." + TOP_P, 0, 1, DEFAULT_TOP_P,
            "Nucleus sampling: keep the most likely tokens up to this probability mass; 1 keeps them all.");
    static final BodyParameter MAX_TOKEN_COUNT_PARAMETER = BodyParameter.integer(CONFIG + "." + MAX_TOKEN_COUNT, 0,
            MAX_MAX_TOKEN_COUNT, DEFAULT_MAX_TOKEN_COUNT, "The most tokens to generate (the response length).");
    static final BodyParameter STOP_SEQUENCES_PARAMETER = BodyParameter.stringList(CONFIG + "." + STOP_SEQUENCES,
            MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH,
            "Text that ends the generation when the model produces it; not included in the output.");
    static final BodyShape SHAPE = BodyShape.of(INPUT_TEXT, TEMPERATURE_PARAMETER, TOP_P_PARAMETER,
            MAX_TOKEN_COUNT_PARAMETER, STOP_SEQUENCES_PARAMETER);

    private static final Set<String> KEYS = Set.of(INPUT_TEXT, CONFIG);
    private static final Set<String> CONFIG_KEYS = Set.of(TEMPERATURE, TOP_P, MAX_TOKEN_COUNT, STOP_SEQUENCES);

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public BodyShape bodyShape() {
        return SHAPE;
    }

    @Override
    public TextGenerationRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        String inputText = reader.requiredString(INPUT_TEXT);
        RequestBodyReader config = reader.object(CONFIG, CONFIG_KEYS);
        double temperature = config.number(TEMPERATURE_PARAMETER);
        double topP = config.number(TOP_P_PARAMETER);
        int maxTokenCount = config.integer(MAX_TOKEN_COUNT_PARAMETER);
        List<String> stops = config.stringList(STOP_SEQUENCES_PARAMETER);
        rejectEmpty(config, STOP_SEQUENCES, stops);
        reader.validate();

        SamplingParameters sampling = new SamplingParameters(SamplingValues.temperature(temperature),
                SamplingValues.topPKeepingTheTopToken(topP), 0, null);
        return new TextGenerationRequest(inputText, maxTokenCount, sampling, stops);
    }

    @Override
    public String responseTextPath() {
        return "results.0.outputText";
    }

    @Override
    public String chunkTextPath() {
        return "outputText";
    }

    @Override
    public byte[] encodeResponse(GenerationOutcome outcome) {
        String text = outcome.text() == null ? "" : outcome.text();
        return Json.write(128 + text.length(), g -> {
            g.writeStartObject();
            g.writeNumberField("inputTextTokenCount", outcome.inputTokenCount());
            g.writeArrayFieldStart("results");
            g.writeStartObject();
            g.writeNumberField("tokenCount", outcome.outputTokenCount());
            g.writeStringField("outputText", text);
            g.writeStringField("completionReason", completionReason(outcome.stopReason()));
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    @Override
    public byte[] encodeChunk(StreamChunk chunk) {
        String text = chunk.text() == null ? "" : chunk.text();
        int sizeHint = 128 + text.length() + (chunk.metrics() == null ? 0 : 128);
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeStringField("outputText", text);
            g.writeNumberField("index", chunk.generationIndex());
            if (chunk.isLast()) {
                g.writeNumberField("totalOutputTextTokenCount", chunk.outputTokenCount());
                g.writeStringField("completionReason", completionReason(chunk.stopReason()));
                g.writeNumberField("inputTextTokenCount", chunk.inputTokenCount());
            } else {
                writeNulls(g, "totalOutputTextTokenCount", "completionReason", "inputTextTokenCount");
            }
            if (chunk.metrics() != null) {
                Json.writeInvocationMetrics(g, chunk.metrics());
            }
            g.writeEndObject();
        });
    }

    /** Titan's two words: it finished, or it ran out of room. */
    static String completionReason(StopReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_SEQUENCE -> "FINISH";
            case MAX_TOKENS, CONTEXT_LENGTH -> "LENGTH";
        };
    }

    /**
     * An empty stop sequence would end every generation before its first token; no client means that. Reported at
     * the array: the reader drops invalid items, so the surviving list's positions are not the client's.
     */
    static void rejectEmpty(RequestBodyReader reader, String key, List<String> stops) {
        if (stops.contains("")) {
            reader.reject(key, "an item is an empty string (expected minLength: 1)");
        }
    }

    private static void writeNulls(JsonGenerator g, String... names) throws IOException {
        for (String name : names) {
            g.writeNullField(name);
        }
    }
}
