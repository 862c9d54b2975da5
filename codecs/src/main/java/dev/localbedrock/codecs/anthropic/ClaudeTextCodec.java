package dev.localbedrock.codecs.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.CodecOptions;
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
 * Anthropic Claude text completions ({@code anthropic.claude-v1}, {@code -v2}, {@code -v2:1},
 * {@code -instant-v1}), bedrock-spec §2.5 and §7.1.
 *
 * <p>Request: {@code {"prompt", "max_tokens_to_sample", "temperature", "top_p", "top_k", "stop_sequences",
 * "anthropic_version"}} (absent or {@code null} takes the default):
 * <ul>
 *   <li>{@code prompt} string, required, non-empty, and in turn format (below).</li>
 *   <li>{@code max_tokens_to_sample} integer 0..4096, <b>required</b>. The guide's table prints a default of 200,
 *       but the real service refuses a body without it ({@code #: required key [max_tokens_to_sample] not found}),
 *       and every client sends it, so it is required here too and the default never applies.</li>
 *   <li>{@code temperature} number 0..1, default 0.5 (the guide's table). 0 is greedy decoding.</li>
 *   <li>{@code top_p} number 0..1, default 1. 1 keeps every token; 0 keeps only the most likely one, which the
 *       sampler receives as the smallest positive float because its own 0 means "off".</li>
 *   <li>{@code top_k} integer 0..500, default 250. Anthropic's own API has no top-k unless asked for; Bedrock's
 *       schema allows 0, which is read as "no top-k" (the sampler's 0), not as "no tokens".</li>
 *   <li>{@code stop_sequences} array of at most {@value #MAX_STOP_SEQUENCES} non-empty strings (the guide: "up to 4
 *       sequences") of at most {@value #MAX_STOP_SEQUENCE_LENGTH} characters (a bound of this server, so the text
 *       held back while a stop sequence may be starting stays small). Clients send {@code ["\n\nHuman:"]}.</li>
 *   <li>{@code anthropic_version} optional string; only {@value #ANTHROPIC_VERSION}, which LangChain4j, Spring AI
 *       and the AWS samples send, is accepted.</li>
 * </ul>
 *
 * <p>Prompt format. Markers are the strings {@code Human:} and {@code Assistant:}; text before the first marker is a
 * system prompt (Claude 2.1's), text after the last {@code Assistant:} is the start of the answer (a "prefill").
 * <ul>
 *   <li><b>Strict</b> ({@code strict_prompt_format: true} in models.yaml) is Bedrock's rule: a marker counts only
 *       when written {@code "\n\nHuman:"} / {@code "\n\nAssistant:"} (two newlines, anywhere in the prompt); there
 *       must be a {@code "\n\nHuman:"} turn and the first marker must be one (anything before it is the system
 *       prompt); markers must alternate Human, Assistant, Human, …; the last marker must be
 *       {@code "\n\nAssistant:"}.</li>
 *   <li><b>Lenient</b> (the default) accepts every prompt the strict rule accepts, and also any prompt in which a
 *       marker counts when it starts a line (at the very start of the prompt or right after one newline), at least
 *       one {@code Human:} marker exists, and the last such marker is {@code Assistant:}. That covers what the
 *       frameworks send: {@code "\nAssistant:"} with one newline (LangChain4j joins turns with one), a system line
 *       before the first {@code "\n\nHuman:"}, {@code "Human:"} at the very start, repeated Human turns. A prompt
 *       with no turns at all is still refused, as Bedrock refuses it.</li>
 * </ul>
 * A refused prompt is a ValidationException with Bedrock's words, the problems joined by {@code ", "} in this
 * order: {@value #MUST_START} (no Human turn, or an Assistant turn first), {@value #MUST_ALTERNATE} (strict only;
 * this wording is ours, no Bedrock text for it is on record), {@value #MUST_END}. The quoted markers in these
 * messages contain real newline characters, as Bedrock's do. The prompt is checked only once the body is otherwise
 * valid, so schema violations are reported first.
 *
 * <p>Response: {@code {"completion", "stop_reason", "stop"}}. {@code stop_reason} is {@code "stop_sequence"} when the
 * model finished (end of sequence, or one of the request's stop sequences) and {@code "max_tokens"} when it ran out
 * of room (the token limit or the model's context); {@code stop} is the stop sequence that ended it, or
 * {@code null} (always for an end-of-sequence token, which has no text). Stream chunks have the same three keys, with
 * the new text as {@code completion} and {@code stop_reason}/{@code stop} {@code null} until the generation's last
 * chunk; the stream's last chunk adds {@code amazon-bedrock-invocationMetrics}.
 */
public final class ClaudeTextCodec implements TextFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "anthropic-claude";

    static final String PROMPT = "prompt";
    static final String MAX_TOKENS_TO_SAMPLE = "max_tokens_to_sample";
    static final String TEMPERATURE = "temperature";
    static final String TOP_P = "top_p";
    static final String TOP_K = "top_k";
    static final String STOP_SEQUENCES = "stop_sequences";
    static final String VERSION = "anthropic_version";

    static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";
    static final int MAX_MAX_TOKENS_TO_SAMPLE = 4096;
    static final double DEFAULT_TEMPERATURE = 0.5;
    static final double DEFAULT_TOP_P = 1;
    static final int DEFAULT_TOP_K = 250;
    static final int MAX_TOP_K = 500;
    static final int MAX_STOP_SEQUENCES = 4;
    static final int MAX_STOP_SEQUENCE_LENGTH = 256;

    /** §2.5's table (less the unused default of 200); {@link #decodeRequest} reads the body through these. */
    static final BodyParameter TEMPERATURE_PARAMETER = BodyParameter.number(TEMPERATURE, 0, 1, DEFAULT_TEMPERATURE,
            "Randomness: lower is more deterministic; 0 always picks the most likely token.");
    static final BodyParameter TOP_P_PARAMETER = BodyParameter.number(TOP_P, 0, 1, DEFAULT_TOP_P,
            "Nucleus sampling: keep the most likely tokens up to this probability mass; 1 keeps them all.");
    static final BodyParameter TOP_K_PARAMETER = BodyParameter.integer(TOP_K, 0, MAX_TOP_K, DEFAULT_TOP_K,
            "Keep only the K most likely tokens; 0 disables the limit.");
    static final BodyParameter MAX_TOKENS_TO_SAMPLE_PARAMETER = BodyParameter.requiredInteger(MAX_TOKENS_TO_SAMPLE,
            0, MAX_MAX_TOKENS_TO_SAMPLE, "The most tokens to generate (required; the guide advises at most 4,000).");
    static final BodyParameter STOP_SEQUENCES_PARAMETER = BodyParameter.stringList(STOP_SEQUENCES,
            MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_LENGTH,
            "Text that ends the generation when the model produces it (e.g. \"\\n\\nHuman:\"); not included in the"
                    + " output.");
    static final BodyShape SHAPE = BodyShape.of(PROMPT, TEMPERATURE_PARAMETER, TOP_P_PARAMETER, TOP_K_PARAMETER,
            MAX_TOKENS_TO_SAMPLE_PARAMETER, STOP_SEQUENCES_PARAMETER);

    static final String HUMAN = "\n\nHuman:";
    static final String ASSISTANT = "\n\nAssistant:";
    /** Real Bedrock's words (since Claude 2.1 added system prompts). */
    static final String MUST_START = "prompt must start with \"\n\nHuman:\" turn after an optional system prompt";
    static final String MUST_ALTERNATE = "prompt must alternate \"\n\nHuman:\" and \"\n\nAssistant:\" turns";
    /** Real Bedrock's words. */
    static final String MUST_END = "prompt must end with \"\n\nAssistant:\" turn";

    private static final Set<String> KEYS =
            Set.of(PROMPT, MAX_TOKENS_TO_SAMPLE, TEMPERATURE, TOP_P, TOP_K, STOP_SEQUENCES, VERSION);

    private final boolean strictPromptFormat;

    /** The lenient prompt rule (the default). */
    public ClaudeTextCodec() {
        this(false);
    }

    /** @param strictPromptFormat whether to apply Bedrock's exact prompt rule instead of the lenient one */
    public ClaudeTextCodec(boolean strictPromptFormat) {
        this.strictPromptFormat = strictPromptFormat;
    }

    @Override
    public String family() {
        return FAMILY;
    }

    /** Whether this instance applies the strict prompt rule. */
    public boolean strictPromptFormat() {
        return strictPromptFormat;
    }

    @Override
    public TextFamilyCodec configured(CodecOptions options) {
        return options.strictPromptFormat() == strictPromptFormat ? this
                : new ClaudeTextCodec(options.strictPromptFormat());
    }

    @Override
    public BodyShape bodyShape() {
        return SHAPE;
    }

    @Override
    public TextGenerationRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        String prompt = reader.requiredString(PROMPT);
        int maxTokens = reader.integer(MAX_TOKENS_TO_SAMPLE_PARAMETER); // absent: Bedrock's "required key" message
        double temperature = reader.number(TEMPERATURE_PARAMETER);
        double topP = reader.number(TOP_P_PARAMETER);
        int topK = reader.integer(TOP_K_PARAMETER);
        List<String> stops = reader.stringList(STOP_SEQUENCES_PARAMETER);
        if (stops.contains("")) {
            reader.reject(STOP_SEQUENCES, "an item is an empty string (expected minLength: 1)");
        }
        reader.oneOf(VERSION, List.of(ANTHROPIC_VERSION), ANTHROPIC_VERSION);
        reader.validate();

        List<String> problems = strictPromptFormat ? PromptTurns.strictProblems(prompt)
                : PromptTurns.lenientProblems(prompt);
        if (!problems.isEmpty()) {
            throw BedrockException.validation(String.join(", ", problems));
        }

        float t = SamplingValues.temperature(temperature);
        float p = SamplingValues.topPKeepingTheTopToken(topP);
        return new TextGenerationRequest(prompt, maxTokens, new SamplingParameters(t, p, topK, null), stops);
    }

    @Override
    public String responseTextPath() {
        return "completion";
    }

    @Override
    public String chunkTextPath() {
        return "completion";
    }

    @Override
    public byte[] encodeResponse(GenerationOutcome outcome) {
        String text = outcome.text() == null ? "" : outcome.text();
        return Json.write(96 + text.length(), g -> {
            g.writeStartObject();
            g.writeStringField("completion", text);
            writeStop(g, outcome.stopReason(), outcome.stopSequence());
            g.writeEndObject();
        });
    }

    @Override
    public byte[] encodeChunk(StreamChunk chunk) {
        String text = chunk.text() == null ? "" : chunk.text();
        int sizeHint = 96 + text.length() + (chunk.metrics() == null ? 0 : 128);
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeStringField("completion", text);
            writeStop(g, chunk.stopReason(), chunk.stopSequence());
            if (chunk.metrics() != null) {
                Json.writeInvocationMetrics(g, chunk.metrics());
            }
            g.writeEndObject();
        });
    }

    /** Claude's two words: it reached a stop (its own end or one of the caller's), or it ran out of room. */
    static String stopReasonName(StopReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_SEQUENCE -> "stop_sequence";
            case MAX_TOKENS, CONTEXT_LENGTH -> "max_tokens";
        };
    }

    private static void writeStop(JsonGenerator g, StopReason reason, String stopSequence) throws IOException {
        if (reason == null) {
            g.writeNullField("stop_reason");
            g.writeNullField("stop");
            return;
        }
        g.writeStringField("stop_reason", stopReasonName(reason));
        if (reason == StopReason.STOP_SEQUENCE && stopSequence != null) {
            g.writeStringField("stop", stopSequence);
        } else {
            g.writeNullField("stop");
        }
    }
}
