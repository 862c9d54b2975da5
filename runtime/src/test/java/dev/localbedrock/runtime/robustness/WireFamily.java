package dev.localbedrock.runtime.robustness;

import dev.localbedrock.runtime.TestServers;

import java.util.List;
import java.util.Set;

/**
 * The Bedrock families the wire fuzzer serves, one model id each: the text families on tiny-random-llama (one
 * loaded model and one worker behind all five ids), the embedding families on the built-in MiniLM. Each names its
 * body keys (the required ones first: hostile shapes put their payload there), which of them a valid body must
 * carry, the key a successful InvokeModel answer has, and a valid body for the health checks. The family comes from
 * the id alone, so the catalogue entries name no {@code family:}.
 */
enum WireFamily {
    LLAMA2(TestServers.LLAMA_ID, true, true, "generation",
            List.of("prompt", "temperature", "top_p", "max_gen_len"), Set.of("prompt"),
            "{\"prompt\":\"Hello\",\"temperature\":0,\"max_gen_len\":4}"),
    TITAN_TEXT("amazon.titan-text-express-v1", true, true, "results",
            List.of("inputText", "textGenerationConfig"), Set.of("inputText"),
            "{\"inputText\":\"Hello\",\"textGenerationConfig\":{\"temperature\":0,\"maxTokenCount\":4}}"),
    CLAUDE("anthropic.claude-v2", true, true, "completion",
            List.of("prompt", "max_tokens_to_sample", "temperature", "top_p", "top_k", "stop_sequences",
                    "anthropic_version"), Set.of("prompt", "max_tokens_to_sample"),
            "{\"prompt\":\"\\n\\nHuman: Hello\\n\\nAssistant:\",\"max_tokens_to_sample\":4,\"temperature\":0}"),
    /** Jurassic-2 does not stream on Bedrock: its stream route must answer a 4xx. */
    J2("ai21.j2-mid-v1", true, false, "completions",
            List.of("prompt", "temperature", "topP", "maxTokens", "stopSequences", "countPenalty", "presencePenalty",
                    "frequencyPenalty"), Set.of("prompt"),
            "{\"prompt\":\"Hello\",\"temperature\":0,\"maxTokens\":4}"),
    COHERE_COMMAND("cohere.command-text-v14", true, true, "generations",
            List.of("prompt", "temperature", "p", "k", "max_tokens", "stop_sequences", "return_likelihoods",
                    "num_generations", "logit_bias", "truncate", "stream"), Set.of("prompt"),
            "{\"prompt\":\"Hello\",\"temperature\":0,\"max_tokens\":4}"),
    TITAN_EMBED(TestServers.TITAN_EMBED_ID, false, false, "embedding",
            List.of("inputText"), Set.of("inputText"),
            "{\"inputText\":\"Hello\"}"),
    COHERE_EMBED("cohere.embed-english-v3", false, false, "embeddings",
            List.of("texts", "input_type", "truncate", "embedding_types"), Set.of("texts", "input_type"),
            "{\"texts\":[\"Hello\",\"world\"],\"input_type\":\"search_document\"}");

    final String modelId;
    final boolean text;
    final boolean streams;
    final String resultKey;
    final List<String> keys;
    final Set<String> required;
    final String healthBody;

    WireFamily(String modelId, boolean text, boolean streams, String resultKey, List<String> keys,
               Set<String> required, String healthBody) {
        this.modelId = modelId;
        this.text = text;
        this.streams = streams;
        this.resultKey = resultKey;
        this.keys = keys;
        this.required = required;
        this.healthBody = healthBody;
    }

    String invokePath() {
        return "/model/" + modelId + "/invoke";
    }

    String streamPath() {
        return "/model/" + modelId + "/invoke-with-response-stream";
    }

    /**
     * The family whose route this is: an exact invoke or stream path, else the family whose id the path names in
     * another spelling the server may accept (an ARN, a query string); null for any other path.
     */
    static WireFamily ofPath(String path) {
        WireFamily named = null;
        for (WireFamily f : values()) {
            if (path.equals(f.invokePath()) || path.equals(f.streamPath())) {
                return f;
            }
            if (path.contains(f.modelId) && (named == null || f.modelId.length() > named.modelId.length())) {
                named = f;
            }
        }
        return named;
    }

    /**
     * The models.yaml entries after the Llama one (which {@link TestServers#writeTinyLlamaCatalogue} writes): every
     * other text family on the same tiny-random-llama directory and engine, so they share its loaded model, with
     * {@code textYaml} lines in each (the same context bound as the Llama entry), and both embedding families on
     * the built-in MiniLM.
     */
    static String otherModelsYaml(String engine, String textYaml) {
        StringBuilder yaml = new StringBuilder();
        for (WireFamily f : values()) {
            if (f == LLAMA2) {
                continue;
            }
            yaml.append("- id: ").append(f.modelId).append('\n');
            if (f.text) {
                yaml.append("  source: ").append(TestServers.tinyLlama()).append('\n')
                        .append("  engine: ").append(engine).append('\n')
                        .append("  device: cpu\n")
                        .append(textYaml.indent(2));
            } else {
                yaml.append("  source: builtin:all-MiniLM-L6-v2\n  engine: onnxruntime\n  device: cpu\n")
                        .append(RobustnessServers.UNMETERED.indent(2));
            }
        }
        return yaml.toString();
    }
}
