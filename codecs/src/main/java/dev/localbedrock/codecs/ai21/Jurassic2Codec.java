package dev.localbedrock.codecs.ai21;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * AI21 Labs Jurassic-2 ({@code ai21.j2-mid-v1}, {@code ai21.j2-ultra-v1}), bedrock-spec §2.6.
 *
 * <p>Request: {@code prompt}, {@code temperature}, {@code topP}, {@code maxTokens}, {@code stopSequences} and the
 * three penalty objects ({@code countPenalty}, {@code presencePenalty}, {@code frequencyPenalty}), each a
 * {@code scale} plus five {@code applyTo*} flags that map one to one onto {@link Penalty}. Temperature 0 is greedy;
 * {@code topP} 0 keeps only the most probable token (J2 does not document 0 as "disabled", unlike Llama and Cohere).
 *
 * <p>Response: the J2 completion shape, which real J2 always fills with per-token data. Each generated token's
 * {@code logprob} and {@code raw_logprob} both carry the token's log-probability under the model's raw distribution
 * (before penalties, temperature and top-p): the post-sampling distribution J2 reports as {@code logprob} is not
 * computed here, and for temperature 1, topP 1 the two are equal on J2 too. {@code textRange} gives each token's
 * character offsets in the completion text. {@code prompt.tokens} is empty unless the runtime supplied prompt-token
 * likelihoods: scoring every prompt token costs a per-token prefill the runtime does not do for J2 requests (clients
 * that count prompt tokens from this list, such as LangChain4j, therefore see 0; the
 * {@code X-Amzn-Bedrock-Input-Token-Count} header has the real count). {@code id} is a number, as on the live
 * service (LangChain4j reads it as an {@code int}).
 *
 * <p>Jurassic-2 does not stream on Bedrock: {@link #streams()} is false and the runtime answers
 * InvokeModelWithResponseStream with {@link TextFamilyCodec#NOT_STREAMING}.
 */
public final class Jurassic2Codec implements TextFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "ai21-j2";

    static final String PROMPT = "prompt";
    static final String TEMPERATURE = "temperature";
    static final String TOP_P = "topP";
    static final String MAX_TOKENS = "maxTokens";
    static final String STOP_SEQUENCES = "stopSequences";
    static final String COUNT_PENALTY = "countPenalty";
    static final String PRESENCE_PENALTY = "presencePenalty";
    static final String FREQUENCY_PENALTY = "frequencyPenalty";

    static final String SCALE = "scale";
    static final String APPLY_TO_WHITESPACES = "applyToWhitespaces";
    static final String APPLY_TO_PUNCTUATIONS = "applyToPunctuations";
    static final String APPLY_TO_NUMBERS = "applyToNumbers";
    static final String APPLY_TO_STOPWORDS = "applyToStopwords";
    static final String APPLY_TO_EMOJIS = "applyToEmojis";

    static final double DEFAULT_TEMPERATURE = 0.5;
    static final double DEFAULT_TOP_P = 0.5;
    static final int DEFAULT_MAX_TOKENS = 200;
    /** The limit of the mid, ultra and large models (the Bedrock J2 models); smaller J2 models had 2048. */
    static final int MAX_MAX_TOKENS = 8191;
    static final double MAX_COUNT_PENALTY = 1;
    static final double MAX_PRESENCE_PENALTY = 5;
    static final double MAX_FREQUENCY_PENALTY = 500;
    /**
     * Neither the guide nor AI21 documents a limit on stop sequences; these are this runtime's own, generous enough
     * for any real prompt and small enough that a hostile body cannot make every generated token scan megabytes.
     */
    static final int MAX_STOP_SEQUENCES = 64;
    static final int MAX_STOP_SEQUENCE_LENGTH = 1000;

    /** §2.6's table, in the order of the guide's request body; {@link #decodeRequest} reads the body through these. */
    static final BodyParameter TEMPERATURE_PARAMETER = BodyParameter.number(TEMPERATURE, 0, 1, DEFAULT_TEMPERATURE,
            "Randomness: lower is more deterministic; 0 always picks the most likely token.");
    static final BodyParameter TOP_P_PARAMETER = BodyParameter.number(TOP_P, 0, 1, DEFAULT_TOP_P,
            "Nucleus sampling: keep the most likely tokens up to this probability mass; 0 keeps only the top one.");
    static final BodyParameter MAX_TOKENS_PARAMETER = BodyParameter.integer(MAX_TOKENS, 0, MAX_MAX_TOKENS,
            DEFAULT_MAX_TOKENS, "The most tokens to generate.");
    static final BodyParameter STOP_SEQUENCES_PARAMETER = BodyParameter.stringList(STOP_SEQUENCES,
            MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH,
            "Text that ends the generation when the model produces it; not included in the output.");
    static final PenaltyParameters PRESENCE = new PenaltyParameters(PRESENCE_PENALTY, MAX_PRESENCE_PENALTY,
            "Presence penalty: higher makes tokens already present at least once less likely.");
    static final PenaltyParameters COUNT = new PenaltyParameters(COUNT_PENALTY, MAX_COUNT_PENALTY,
            "Count penalty: higher makes tokens less likely the more often they already occur.");
    static final PenaltyParameters FREQUENCY = new PenaltyParameters(FREQUENCY_PENALTY, MAX_FREQUENCY_PENALTY,
            "Frequency penalty: higher makes tokens less likely in proportion to their frequency in the text.");
    static final BodyShape SHAPE = shape();

    private static final Set<String> KEYS = Set.of(PROMPT, TEMPERATURE, TOP_P, MAX_TOKENS, STOP_SEQUENCES,
            COUNT_PENALTY, PRESENCE_PENALTY, FREQUENCY_PENALTY);
    private static final Set<String> PENALTY_KEYS = Set.of(SCALE, APPLY_TO_WHITESPACES, APPLY_TO_PUNCTUATIONS,
            APPLY_TO_NUMBERS, APPLY_TO_STOPWORDS, APPLY_TO_EMOJIS);

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public boolean streams() {
        return false;
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
        int maxTokens = reader.integer(MAX_TOKENS_PARAMETER);
        List<String> stops = reader.stringList(STOP_SEQUENCES_PARAMETER);
        Penalty count = COUNT.read(reader);
        Penalty presence = PRESENCE.read(reader);
        Penalty frequency = FREQUENCY.read(reader);
        reader.validate();

        float t = SamplingValues.temperature(temperature);
        // topP 0 means "nothing but the top token" here; the neutral 0 would mean "keep everything".
        float p = SamplingValues.topPKeepingTheTopToken(topP);
        SamplingParameters sampling = new SamplingParameters(t, p, 0, null,
                new RepetitionPenalties(presence, count, frequency), Map.of());
        // J2 always reports per-token data, so the generated tokens' likelihoods are always asked for.
        return new TextGenerationRequest(prompt, maxTokens, sampling, stops, 1, LikelihoodMode.GENERATION,
                PromptTruncation.NONE);
    }

    private static BodyShape shape() {
        List<BodyParameter> parameters = new ArrayList<>(List.of(TEMPERATURE_PARAMETER, TOP_P_PARAMETER,
                MAX_TOKENS_PARAMETER, STOP_SEQUENCES_PARAMETER));
        for (PenaltyParameters penalty : List.of(COUNT, PRESENCE, FREQUENCY)) {
            parameters.addAll(penalty.all());
        }
        return new BodyShape(PROMPT, parameters);
    }

    /**
     * One penalty object's parameters: its {@code scale} (0 when absent) and the five flags (true when absent).
     * An absent object means no penalty.
     */
    record PenaltyParameters(String key, BodyParameter scale, BodyParameter whitespaces, BodyParameter punctuations,
                             BodyParameter numbers, BodyParameter stopwords, BodyParameter emojis) {

        PenaltyParameters(String key, double maxScale, String description) {
            this(key, BodyParameter.number(key + "." + SCALE, 0, maxScale, 0, description + " 0 disables it."),
                    flag(key, APPLY_TO_WHITESPACES, "Whether whitespace and newline tokens are penalised."),
                    flag(key, APPLY_TO_PUNCTUATIONS, "Whether punctuation tokens are penalised."),
                    flag(key, APPLY_TO_NUMBERS, "Whether number tokens are penalised."),
                    flag(key, APPLY_TO_STOPWORDS, "Whether stopword tokens are penalised."),
                    // The guide's wording for this flag is the reverse of the others' (Penalty's javadoc).
                    flag(key, APPLY_TO_EMOJIS, "Whether emoji tokens are excluded from the penalty (as the guide"
                            + " states it)."));
        }

        private static BodyParameter flag(String key, String name, String description) {
            return BodyParameter.bool(key + "." + name, true, description);
        }

        List<BodyParameter> all() {
            return List.of(scale, whitespaces, punctuations, numbers, stopwords, emojis);
        }

        Penalty read(RequestBodyReader body) {
            boolean present = body.has(key);
            RequestBodyReader reader = body.object(key, PENALTY_KEYS);
            double scaleValue = reader.number(scale);
            boolean w = reader.bool(whitespaces);
            boolean p = reader.bool(punctuations);
            boolean n = reader.bool(numbers);
            boolean s = reader.bool(stopwords);
            boolean e = reader.bool(emojis);
            if (!present) {
                return Penalty.NONE;
            }
            return new Penalty((float) scaleValue + 0f, w, p, n, s, e);
        }
    }

    /** Without the request the prompt is unknown: {@code prompt.text} is empty. Prefer the two-argument form. */
    @Override
    public String responseTextPath() {
        return "completions.0.data.text";
    }

    @Override
    public String chunkTextPath() {
        return null; // Jurassic-2 does not stream
    }

    @Override
    public byte[] encodeResponse(GenerationOutcome outcome) {
        return encode("", outcome);
    }

    @Override
    public byte[] encodeResponse(TextGenerationRequest request, GenerationOutcome outcome) {
        return encode(request.prompt(), outcome);
    }

    private static byte[] encode(String prompt, GenerationOutcome outcome) {
        int sizeHint = 128 + prompt.length();
        for (Generation g : outcome.generations()) {
            sizeHint += 96 + (g.text() == null ? 0 : g.text().length()) + 120 * g.likelihoods().size();
        }
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeNumberField("id", ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE));
            g.writeObjectFieldStart("prompt");
            g.writeStringField("text", prompt);
            writeTokens(g, prompt, outcome.promptLikelihoods());
            g.writeEndObject();
            g.writeArrayFieldStart("completions");
            for (Generation generation : outcome.generations()) {
                writeCompletion(g, generation);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeCompletion(JsonGenerator g, Generation generation) throws IOException {
        String text = generation.text() == null ? "" : generation.text();
        g.writeStartObject();
        g.writeObjectFieldStart("data");
        g.writeStringField("text", text);
        writeTokens(g, text, generation.likelihoods());
        g.writeEndObject();
        g.writeObjectFieldStart("finishReason");
        StopReason reason = generation.stopReason() == null ? StopReason.END_OF_SEQUENCE : generation.stopReason();
        switch (reason) {
            case END_OF_SEQUENCE -> g.writeStringField("reason", "endoftext");
            case STOP_SEQUENCE -> {
                g.writeStringField("reason", "stop");
                g.writeStringField("sequence", generation.stopSequence());
            }
            case MAX_TOKENS, CONTEXT_LENGTH -> {
                g.writeStringField("reason", "length");
                g.writeNumberField("length", generation.outputTokenCount());
            }
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * The {@code tokens} array of {@code text}: each token with its log-probability and its character range. The
     * ranges follow the tokens' decoded pieces through the text; where a piece does not match the text at that point
     * (a byte-level token decoded alone may be half a character, and a stop sequence's tokens lie past the returned
     * text) the range covers the piece's length from there, clamped to the text, so ranges never overlap, never go
     * backwards and never leave the text.
     */
    private static void writeTokens(JsonGenerator g, String text, List<TokenLikelihood> tokens) throws IOException {
        g.writeArrayFieldStart("tokens");
        int at = 0;
        for (TokenLikelihood token : tokens) {
            String piece = token.token() == null ? "" : token.token();
            int start = at;
            int end = text.startsWith(piece, at) ? at + piece.length() : Math.min(text.length(), at + piece.length());
            at = end;
            g.writeStartObject();
            g.writeObjectFieldStart("generatedToken");
            g.writeStringField("token", piece);
            writeLogProb(g, "logprob", token.logProb());
            writeLogProb(g, "raw_logprob", token.logProb());
            g.writeEndObject();
            g.writeNullField("topTokens");
            g.writeObjectFieldStart("textRange");
            g.writeNumberField("start", start);
            g.writeNumberField("end", end);
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** JSON has no NaN: a token with no log-probability (the first prompt token) gets null. */
    private static void writeLogProb(JsonGenerator g, String name, float logProb) throws IOException {
        if (Float.isFinite(logProb)) {
            g.writeNumberField(name, logProb);
        } else {
            g.writeNullField(name);
        }
    }

    /** Jurassic-2 has no stream chunks; the runtime refuses streaming before a chunk could exist. */
    @Override
    public byte[] encodeChunk(StreamChunk chunk) {
        throw new UnsupportedOperationException(NOT_STREAMING);
    }
}
