package dev.localbedrock.codecs.llama;

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
 * Meta Llama 2 Chat ({@code meta.llama2-13b-chat-v1}), bedrock-spec §2.9. Llama 2's body is the simplest family:
 * a raw prompt (the caller writes the {@code [INST]} template itself), no top-k, no stop sequences, no seed.
 * {@code top_p} of 0 or 1 disables nucleus sampling, and temperature 0 means greedy.
 */
public final class Llama2Codec implements TextFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "meta-llama2";

    static final String PROMPT = "prompt";
    static final String TEMPERATURE = "temperature";
    static final String TOP_P = "top_p";
    static final String MAX_GEN_LEN = "max_gen_len";

    static final double DEFAULT_TEMPERATURE = 0.5;
    static final double DEFAULT_TOP_P = 0.9;
    static final int DEFAULT_MAX_GEN_LEN = 512;
    static final int MAX_MAX_GEN_LEN = 2048;

    /** §2.9's table; {@link #decodeRequest} reads the body through these. */
    static final BodyParameter TEMPERATURE_PARAMETER = BodyParameter.number(TEMPERATURE, 0, 1, DEFAULT_TEMPERATURE,
            "Randomness: lower is more deterministic; 0 always picks the most likely token.");
    static final BodyParameter TOP_P_PARAMETER = BodyParameter.number(TOP_P, 0, 1, DEFAULT_TOP_P,
            "Nucleus sampling: keep the most likely tokens up to this probability mass; 0 or 1 disables it.");
    static final BodyParameter MAX_GEN_LEN_PARAMETER = BodyParameter.integer(MAX_GEN_LEN, 1, MAX_MAX_GEN_LEN,
            DEFAULT_MAX_GEN_LEN, "The most tokens to generate; a longer generation is cut off.");
    static final BodyShape SHAPE = BodyShape.of(PROMPT, TEMPERATURE_PARAMETER, TOP_P_PARAMETER,
            MAX_GEN_LEN_PARAMETER);

    private static final Set<String> KEYS = Set.of(PROMPT, TEMPERATURE, TOP_P, MAX_GEN_LEN);

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
        String prompt = reader.requiredString(PROMPT);
        double temperature = reader.number(TEMPERATURE_PARAMETER);
        double topP = reader.number(TOP_P_PARAMETER);
        int maxGenLen = reader.integer(MAX_GEN_LEN_PARAMETER);
        reader.validate();

        float t = SamplingValues.temperature(temperature);
        float p = SamplingValues.topPZeroDisables(topP); // Llama: "0 or 1 disables it"
        return new TextGenerationRequest(prompt, maxGenLen, new SamplingParameters(t, p, 0, null), List.of());
    }

    @Override
    public String responseTextPath() {
        return "generation";
    }

    @Override
    public String chunkTextPath() {
        return "generation";
    }

    @Override
    public byte[] encodeResponse(GenerationOutcome outcome) {
        String text = outcome.text() == null ? "" : outcome.text();
        return Json.write(96 + text.length(), g -> {
            g.writeStartObject();
            g.writeStringField("generation", text);
            g.writeNumberField("prompt_token_count", outcome.inputTokenCount());
            g.writeNumberField("generation_token_count", outcome.outputTokenCount());
            writeStopReason(g, outcome.stopReason());
            g.writeEndObject();
        });
    }

    /**
     * Every chunk carries all four keys, as real Llama chunks do: the prompt count only on the first (null after),
     * {@code stop_reason} null until the last, which also carries the invocation metrics.
     */
    @Override
    public byte[] encodeChunk(StreamChunk chunk) {
        String text = chunk.text() == null ? "" : chunk.text();
        int sizeHint = 96 + text.length() + (chunk.metrics() == null ? 0 : 128);
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeStringField("generation", text);
            if (chunk.first()) {
                g.writeNumberField("prompt_token_count", chunk.inputTokenCount());
            } else {
                g.writeNullField("prompt_token_count");
            }
            g.writeNumberField("generation_token_count", chunk.outputTokenCount());
            writeStopReason(g, chunk.stopReason());
            if (chunk.metrics() != null) {
                Json.writeInvocationMetrics(g, chunk.metrics());
            }
            g.writeEndObject();
        });
    }

    /** Llama has two words for why it stopped: it finished ({@code stop}) or it ran out of room ({@code length}). */
    static String stopReasonName(StopReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_SEQUENCE -> "stop";
            case MAX_TOKENS, CONTEXT_LENGTH -> "length";
        };
    }

    private static void writeStopReason(JsonGenerator g, StopReason reason) throws IOException {
        if (reason == null) {
            g.writeNullField("stop_reason");
        } else {
            g.writeStringField("stop_reason", stopReasonName(reason));
        }
    }
}
