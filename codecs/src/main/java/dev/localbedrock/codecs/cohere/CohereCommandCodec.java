package dev.localbedrock.codecs.cohere;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.StreamEncoder;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Cohere Command ({@code cohere.command-text-v14}, {@code cohere.command-light-text-v14}), bedrock-spec §2.7.
 *
 * <p>Request: {@code temperature} 0 is greedy; {@code p} of 0 or 1 disables nucleus sampling and {@code k} of 0
 * disables top-k ("if both are enabled, p acts after k", which is the sampler's order). {@code k} is an integer
 * (the guide prints {@code float}, but the clients send integers; {@code 15.0} is accepted). {@code stream} is
 * accepted and ignored: the operation (InvokeModel or InvokeModelWithResponseStream) decides. {@code logit_bias}
 * keys must be token ids written as non-negative decimal integers.
 *
 * <p>Response: {@code likelihood} is the mean log-likelihood of the generation's own tokens, and it and
 * {@code token_likelihoods} appear only when {@code return_likelihoods} asked for them; with {@code ALL} the prompt's
 * tokens come first in {@code token_likelihoods} (the first prompt token, having no context, has no
 * {@code likelihood} key). The ERROR and ERROR_TOXIC finish reasons are never produced: a failed generation is an
 * error response, and there is no toxicity filter.
 *
 * <p>Stream chunks are flat, as on the live service and as LangChain, Spring AI and the Vercel AI SDK read them:
 * {@code {"text": "...", "is_finished": false}} for each piece and {@code {"is_finished": true, "finish_reason":
 * "COMPLETE"}} to end a generation (the last one with {@code amazon-bedrock-invocationMetrics}); {@code index}
 * appears on every chunk when, and only when, the request asked for several generations. The finishing chunk
 * carries no text: LangChain stops reading at {@code is_finished: true}, so text arriving with the runtime's final
 * chunk is sent in a piece chunk of its own first.
 */
public final class CohereCommandCodec implements TextFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "cohere-command";

    static final String PROMPT = "prompt";
    static final String TEMPERATURE = "temperature";
    static final String P = "p";
    static final String K = "k";
    static final String MAX_TOKENS = "max_tokens";
    static final String STOP_SEQUENCES = "stop_sequences";
    static final String RETURN_LIKELIHOODS = "return_likelihoods";
    static final String STREAM = "stream";
    static final String NUM_GENERATIONS = "num_generations";
    static final String LOGIT_BIAS = "logit_bias";
    static final String TRUNCATE = "truncate";

    static final double DEFAULT_TEMPERATURE = 0.9;
    static final double DEFAULT_P = 0.75;
    static final int DEFAULT_K = 0;
    static final int MAX_K = 500;
    static final int DEFAULT_MAX_TOKENS = 20;
    static final int MAX_MAX_TOKENS = 4096;
    static final int MAX_STOP_SEQUENCES = 4;
    /** Cohere documents no length limit; this runtime's own, so a stop sequence cannot be megabytes long. */
    static final int MAX_STOP_SEQUENCE_LENGTH = 1000;
    static final int MAX_GENERATIONS = 5;
    static final double MAX_BIAS = 10;

    static final List<String> LIKELIHOOD_MODES = List.of("GENERATION", "ALL", "NONE");
    static final List<String> TRUNCATIONS = List.of("NONE", "START", "END");

    /**
     * §2.7's table, in the order of the guide's request body; {@link #decodeRequest} reads the body through these. {@code stream} is not
     * listed: it is accepted and ignored, since the operation decides.
     */
    static final BodyParameter RETURN_LIKELIHOODS_PARAMETER = BodyParameter.oneOf(RETURN_LIKELIHOODS,
            LIKELIHOOD_MODES, "NONE", "Which tokens' likelihoods to return: the generated ones, all, or none.");
    static final BodyParameter LOGIT_BIAS_PARAMETER = BodyParameter.numberMap(LOGIT_BIAS, -MAX_BIAS, MAX_BIAS,
            "Token id to a bias added to that token's logit.");
    static final BodyParameter NUM_GENERATIONS_PARAMETER = BodyParameter.integer(NUM_GENERATIONS, 1,
            MAX_GENERATIONS, 1, "How many generations to return for the prompt.");
    static final BodyParameter TRUNCATE_PARAMETER = BodyParameter.oneOf(TRUNCATE, TRUNCATIONS, "END",
            "A prompt longer than the model's input limit: refuse it (NONE), drop its start (START) or end (END).");
    static final BodyParameter TEMPERATURE_PARAMETER = BodyParameter.number(TEMPERATURE, 0, 5, DEFAULT_TEMPERATURE,
            "Randomness: lower is more deterministic; 0 always picks the most likely token.");
    static final BodyParameter P_PARAMETER = BodyParameter.number(P, 0, 1, DEFAULT_P,
            "Nucleus sampling: keep the most likely tokens up to this probability mass; 0 or 1 disables it.");
    static final BodyParameter K_PARAMETER = BodyParameter.integer(K, 0, MAX_K, DEFAULT_K,
            "Keep only the K most likely tokens (applied before p); 0 disables it.");
    static final BodyParameter MAX_TOKENS_PARAMETER = BodyParameter.integer(MAX_TOKENS, 1, MAX_MAX_TOKENS,
            DEFAULT_MAX_TOKENS, "The most tokens to generate.");
    static final BodyParameter STOP_SEQUENCES_PARAMETER = BodyParameter.stringList(STOP_SEQUENCES,
            MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH,
            "Text that ends the generation when the model produces it; not included in the output.");
    static final BodyShape SHAPE = BodyShape.of(PROMPT, TEMPERATURE_PARAMETER, P_PARAMETER, K_PARAMETER,
            MAX_TOKENS_PARAMETER, STOP_SEQUENCES_PARAMETER, RETURN_LIKELIHOODS_PARAMETER, NUM_GENERATIONS_PARAMETER,
            LOGIT_BIAS_PARAMETER, TRUNCATE_PARAMETER);

    private static final Set<String> KEYS = Set.of(PROMPT, TEMPERATURE, P, K, MAX_TOKENS, STOP_SEQUENCES,
            RETURN_LIKELIHOODS, STREAM, NUM_GENERATIONS, LOGIT_BIAS, TRUNCATE);

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
        double p = reader.number(P_PARAMETER);
        int k = reader.integer(K_PARAMETER);
        int maxTokens = reader.integer(MAX_TOKENS_PARAMETER);
        List<String> stops = reader.stringList(STOP_SEQUENCES_PARAMETER);
        String likelihoods = reader.oneOf(RETURN_LIKELIHOODS_PARAMETER);
        reader.bool(STREAM, false);
        int generations = reader.integer(NUM_GENERATIONS_PARAMETER);
        Map<Integer, Float> bias = logitBias(reader);
        String truncate = reader.oneOf(TRUNCATE_PARAMETER);
        reader.validate();

        float t = SamplingValues.temperature(temperature);
        float topP = SamplingValues.topPZeroDisables(p);
        SamplingParameters sampling = new SamplingParameters(t, topP, k, null).withLogitBias(bias);
        return new TextGenerationRequest(prompt, maxTokens, sampling, stops, generations,
                LikelihoodMode.valueOf(likelihoods), PromptTruncation.valueOf(truncate));
    }

    /**
     * {@code logit_bias} with its keys read as token ids. Whether an id exists in the model's vocabulary is the
     * runtime's question; here it must be a non-negative int, and two spellings of one id ({@code "7"}, {@code "07"})
     * are a conflict rather than a silent pick.
     */
    private static Map<Integer, Float> logitBias(RequestBodyReader reader) {
        Map<String, Double> raw = reader.numberMap(LOGIT_BIAS_PARAMETER);
        Map<Integer, Float> bias = new HashMap<>(raw.size() * 2);
        for (Map.Entry<String, Double> entry : raw.entrySet()) {
            String key = entry.getKey();
            Integer id = tokenId(key);
            String at = LOGIT_BIAS + "/" + clip(key);
            if (id == null) {
                reader.reject(at, "expected a token id (a non-negative integer) as key, found: \"" + clip(key) + "\"");
            } else if (bias.putIfAbsent(id, (float) entry.getValue().doubleValue() + 0f) != null) {
                reader.reject(at, "token id " + id + " is given more than once");
            }
        }
        return bias;
    }

    private static Integer tokenId(String key) {
        if (key.isEmpty() || key.length() > 10) {
            return null;
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                return null;
            }
        }
        long id = Long.parseLong(key);
        return id > Integer.MAX_VALUE ? null : (int) id;
    }

    private static String clip(String text) {
        return text.length() <= 50 ? text : text.substring(0, 50) + "...";
    }

    /**
     * Without the request the prompt is unknown ({@code prompt} is empty) and the likelihood keys appear only where
     * the outcome has likelihoods. Prefer the two-argument form.
     */
    @Override
    public String responseTextPath() {
        return "generations.0.text";
    }

    @Override
    public String chunkTextPath() {
        return "text";
    }

    @Override
    public byte[] encodeResponse(GenerationOutcome outcome) {
        boolean any = !outcome.promptLikelihoods().isEmpty()
                || outcome.generations().stream().anyMatch(g -> !g.likelihoods().isEmpty());
        return encode("", any ? LikelihoodMode.ALL : LikelihoodMode.NONE, outcome);
    }

    @Override
    public byte[] encodeResponse(TextGenerationRequest request, GenerationOutcome outcome) {
        return encode(request.prompt(), request.returnLikelihoods(), outcome);
    }

    private static byte[] encode(String prompt, LikelihoodMode mode, GenerationOutcome outcome) {
        int sizeHint = 128 + prompt.length() + 48 * outcome.promptLikelihoods().size();
        for (Generation g : outcome.generations()) {
            sizeHint += 96 + (g.text() == null ? 0 : g.text().length()) + 48 * g.likelihoods().size();
        }
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("generations");
            for (Generation generation : outcome.generations()) {
                writeGeneration(g, generation, mode, outcome.promptLikelihoods());
            }
            g.writeEndArray();
            g.writeStringField("id", UUID.randomUUID().toString());
            g.writeStringField("prompt", prompt);
            g.writeEndObject();
        });
    }

    private static void writeGeneration(JsonGenerator g, Generation generation, LikelihoodMode mode,
                                         List<TokenLikelihood> promptTokens) throws IOException {
        g.writeStartObject();
        g.writeStringField("finish_reason", finishReason(generation.stopReason()));
        g.writeStringField("id", UUID.randomUUID().toString());
        g.writeStringField("text", generation.text() == null ? "" : generation.text());
        if (mode.includesGeneration()) {
            float mean = meanLogProb(generation.likelihoods());
            if (Float.isFinite(mean)) {
                g.writeNumberField("likelihood", mean);
            }
            g.writeArrayFieldStart("token_likelihoods");
            if (mode.includesPrompt()) {
                writeTokens(g, promptTokens);
            }
            writeTokens(g, generation.likelihoods());
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** The mean of the finite log-likelihoods; NaN when there are none. */
    static float meanLogProb(List<TokenLikelihood> tokens) {
        double sum = 0;
        int n = 0;
        for (TokenLikelihood token : tokens) {
            if (Float.isFinite(token.logProb())) {
                sum += token.logProb();
                n++;
            }
        }
        return n == 0 ? Float.NaN : (float) (sum / n);
    }

    private static void writeTokens(JsonGenerator g, List<TokenLikelihood> tokens) throws IOException {
        for (TokenLikelihood token : tokens) {
            g.writeStartObject();
            g.writeStringField("token", token.token() == null ? "" : token.token());
            // JSON has no NaN; a token with no likelihood (the first prompt token) has no key.
            if (Float.isFinite(token.logProb())) {
                g.writeNumberField("likelihood", token.logProb());
            }
            g.writeEndObject();
        }
    }

    /** Cohere's words: it finished, or it ran out of tokens (its own limit or the context's). */
    static String finishReason(StopReason reason) {
        if (reason == null) {
            return "COMPLETE";
        }
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_SEQUENCE -> "COMPLETE";
            case MAX_TOKENS, CONTEXT_LENGTH -> "MAX_TOKENS";
        };
    }

    /**
     * One chunk of a single-generation stream as one JSON object: a piece, or the finishing chunk (which here also
     * carries the text, if any; {@link #openStream} splits such a chunk in two).
     */
    @Override
    public byte[] encodeChunk(StreamChunk chunk) {
        return chunk.isLast() ? finishing(chunk, false, true) : piece(chunk, false);
    }

    @Override
    public StreamEncoder openStream(TextGenerationRequest request) {
        boolean indexed = request.numGenerations() > 1;
        return (chunk, frames) -> {
            boolean hasText = chunk.text() != null && !chunk.text().isEmpty();
            if (!chunk.isLast() || hasText) {
                frames.accept(EventStreamEncoder.chunkEvent(piece(chunk, indexed)));
            }
            if (chunk.isLast()) {
                frames.accept(EventStreamEncoder.chunkEvent(finishing(chunk, indexed, false)));
            }
        };
    }

    private static byte[] piece(StreamChunk chunk, boolean indexed) {
        String text = chunk.text() == null ? "" : chunk.text();
        return Json.write(48 + text.length(), g -> {
            g.writeStartObject();
            g.writeStringField("text", text);
            g.writeBooleanField("is_finished", false);
            if (indexed) {
                g.writeNumberField("index", chunk.generationIndex());
            }
            if (chunk.metrics() != null && !chunk.isLast()) {
                // Only if the runtime ever ends a stream on a chunk without a stop reason: never drop the metrics.
                // (A last chunk's metrics go on its finishing chunk, never on the piece split off before it.)
                Json.writeInvocationMetrics(g, chunk.metrics());
            }
            g.writeEndObject();
        });
    }

    private static byte[] finishing(StreamChunk chunk, boolean indexed, boolean withText) {
        String text = chunk.text() == null ? "" : chunk.text();
        return Json.write(64 + text.length() + (chunk.metrics() == null ? 0 : 128), g -> {
            g.writeStartObject();
            if (withText && !text.isEmpty()) {
                g.writeStringField("text", text);
            }
            g.writeBooleanField("is_finished", true);
            g.writeStringField("finish_reason", finishReason(chunk.stopReason()));
            if (indexed) {
                g.writeNumberField("index", chunk.generationIndex());
            }
            if (chunk.metrics() != null) {
                Json.writeInvocationMetrics(g, chunk.metrics());
            }
            g.writeEndObject();
        });
    }
}
