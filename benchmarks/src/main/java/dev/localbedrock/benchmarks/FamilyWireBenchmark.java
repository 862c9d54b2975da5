package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The wire cost of every text family, the same three paths for each: decoding and validating a typical request body
 * (once per request), encoding a typical finished response (once per InvokeModel), and what the I/O thread pays per
 * streamed chunk — the family's chunk JSON through {@code codec.openStream(request)}, framed as an event-stream
 * {@code chunk} event, exactly as InvokeModelWithResponseStream sends it.
 *
 * <p>Every family gets the same request (one prompt, temperature 0.1, top-p 0.9, 128 tokens, one stop sequence where
 * the family has them, in its own keys) and the same outcome (a two-sentence, 60-token answer to a 42-token prompt),
 * so the figures compare the codecs, not the inputs. Jurassic-2's outcome carries the 60 per-token likelihoods its
 * response always lists (the runtime asks for them on every J2 request). The per-chunk path is in
 * {@link FamilyStreamBenchmark}, for the four families that stream (Jurassic-2 does not).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar 'Family.*WireBenchmark|FamilyStreamBenchmark'}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FamilyWireBenchmark {

    @Param({"meta-llama2", "amazon-titan-text", "anthropic-claude", "ai21-j2", "cohere-command"})
    public String family;

    private TextFamilyCodec codec;
    private byte[] requestBody;
    private TextGenerationRequest request;
    private GenerationOutcome outcome;

    @Setup
    public void setUp() {
        codec = TextFamilies.forName(family);
        requestBody = TypicalBodies.request(family);
        request = codec.decodeRequest(requestBody);
        outcome = TypicalBodies.outcome(request);
    }

    @Benchmark
    public TextGenerationRequest decodeRequest() {
        return codec.decodeRequest(requestBody);
    }

    /** The two-argument form is what the runtime calls: some families echo the prompt or follow its options. */
    @Benchmark
    public byte[] encodeResponse() {
        return codec.encodeResponse(request, outcome);
    }

    /** The typical bodies and outcomes, shared with {@link FamilyStreamBenchmark}. */
    static final class TypicalBodies {
        static final String QUESTION = "Explain what a large language model is in two sentences.";
        static final String ANSWER = " A large language model is a neural network trained on vast amounts of text"
                + " to predict the next word. Given a prompt, it generates fluent text one token at a time, which"
                + " lets it answer questions, summarise and write code.";
        static final int PROMPT_TOKENS = 42;
        static final int ANSWER_TOKENS = 60;

        private static final Map<String, String> REQUESTS = Map.of(
                "meta-llama2", "{\"prompt\":\"<s>[INST] <<SYS>>\\nYou are a helpful assistant.\\n<</SYS>>\\n\\n"
                        + QUESTION + " [/INST]\",\"temperature\":0.1,\"top_p\":0.9,\"max_gen_len\":128}",
                "amazon-titan-text", "{\"inputText\":\"User: " + QUESTION + "\\nBot:\",\"textGenerationConfig\":"
                        + "{\"temperature\":0.1,\"topP\":0.9,\"maxTokenCount\":128,\"stopSequences\":[\"User:\"]}}",
                "anthropic-claude", "{\"prompt\":\"\\n\\nHuman: " + QUESTION + "\\n\\nAssistant:\","
                        + "\"max_tokens_to_sample\":128,\"temperature\":0.1,\"top_p\":0.9,\"top_k\":250,"
                        + "\"stop_sequences\":[\"\\n\\nHuman:\"],\"anthropic_version\":\"bedrock-2023-05-31\"}",
                "ai21-j2", "{\"prompt\":\"" + QUESTION + "\",\"maxTokens\":128,\"temperature\":0.1,\"topP\":0.9,"
                        + "\"stopSequences\":[\"##\"],\"countPenalty\":{\"scale\":0},\"presencePenalty\":{\"scale\":0},"
                        + "\"frequencyPenalty\":{\"scale\":0}}",
                "cohere-command", "{\"prompt\":\"" + QUESTION + "\",\"max_tokens\":128,\"temperature\":0.1,"
                        + "\"p\":0.9,\"k\":0,\"stop_sequences\":[\"--\"],\"return_likelihoods\":\"NONE\","
                        + "\"stream\":false}");

        private TypicalBodies() {
        }

        static byte[] request(String family) {
            String body = REQUESTS.get(family);
            if (body == null) {
                throw new IllegalArgumentException("no typical request for family " + family);
            }
            return body.getBytes(StandardCharsets.UTF_8);
        }

        /** The answer as the runtime hands it over, with per-token likelihoods where the request asked for them. */
        static GenerationOutcome outcome(TextGenerationRequest request) {
            List<TokenLikelihood> likelihoods = new ArrayList<>();
            int[] ids = new int[ANSWER_TOKENS];
            if (request.returnLikelihoods() != LikelihoodMode.NONE) {
                // Whole words and the spaces before them, cut to 60 pieces that concatenate to ANSWER.
                int per = ANSWER.length() / ANSWER_TOKENS;
                for (int i = 0; i < ANSWER_TOKENS; i++) {
                    int end = i == ANSWER_TOKENS - 1 ? ANSWER.length() : (i + 1) * per;
                    ids[i] = 1000 + i;
                    likelihoods.add(new TokenLikelihood(ids[i], ANSWER.substring(i * per, end), -0.25f - i * 0.01f));
                }
            }
            Generation g = new Generation(0, ANSWER, ids, ANSWER_TOKENS, StopReason.END_OF_SEQUENCE, likelihoods);
            return GenerationOutcome.of(PROMPT_TOKENS, List.of(g), List.of());
        }

        /** A mid-stream chunk of a few tokens' text (three word pieces), as the scheduler hands it to the codec. */
        static StreamChunk midChunk() {
            return new StreamChunk(" a neural network", PROMPT_TOKENS, 17, false, null, null);
        }
    }
}
