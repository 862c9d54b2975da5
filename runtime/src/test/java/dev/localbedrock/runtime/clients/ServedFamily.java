package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.TestServers;

/**
 * The model families the real-client tests drive, one model id each. Every family's codec is merged, so every one is
 * served; {@code merged = false} takes a family (a new one, while its codec is written) out of the test server. Text families are served by tiny-random-llama, embedding families by the
 * built-in all-MiniLM-L6-v2 and the image family by the generated SDXL test pipeline, as in the default models.yaml.
 */
enum ServedFamily {
    META_LLAMA2("meta-llama2", TestServers.LLAMA_ID, Kind.TEXT, true),
    AMAZON_TITAN_EMBED("amazon-titan-embed", TestServers.TITAN_EMBED_ID, Kind.EMBEDDING, true),
    AMAZON_TITAN_TEXT("amazon-titan-text", "amazon.titan-text-express-v1", Kind.TEXT, true),
    ANTHROPIC_CLAUDE("anthropic-claude", "anthropic.claude-v2", Kind.TEXT, true),
    AI21_J2("ai21-j2", "ai21.j2-mid-v1", Kind.TEXT, true),
    COHERE_COMMAND("cohere-command", "cohere.command-text-v14", Kind.TEXT, true),
    COHERE_EMBED("cohere-embed", "cohere.embed-english-v3", Kind.EMBEDDING, true),
    STABILITY_SDXL("stability-sdxl", "stability.stable-diffusion-xl-v1", Kind.IMAGE, true);

    enum Kind { TEXT, EMBEDDING, IMAGE }

    /** The {@code family} of its models.yaml entry, also the name the boto3 script knows its bodies by. */
    final String family;
    final String modelId;
    final Kind kind;
    final boolean merged;

    ServedFamily(String family, String modelId, Kind kind, boolean merged) {
        this.family = family;
        this.modelId = modelId;
        this.kind = kind;
        this.merged = merged;
    }

    /**
     * Its models.yaml entry (a YAML list item, unindented). Llama 2 is the catalogue's first entry, written by
     * {@link TestServers#writeTinyLlamaCatalogue}, so it has none here.
     */
    String catalogueEntry() {
        if (this == META_LLAMA2) {
            return "";
        }
        if (this == AMAZON_TITAN_EMBED) {
            return TestServers.miniLmAsTitan("");
        }
        if (kind == Kind.IMAGE) { // the random-weight SDXL test pipeline, as in the default models.yaml
            return """
                    - id: %s
                      family: %s
                      source: generated:smoke-sdxl
                      engine: onnxruntime
                      device: cpu
                    """.formatted(modelId, family);
        }
        String source = kind == Kind.TEXT ? TestServers.tinyLlama().toString() : "builtin:all-MiniLM-L6-v2";
        String engine = kind == Kind.TEXT ? "pytorch" : "onnxruntime";
        return """
                - id: %s
                  family: %s
                  source: %s
                  engine: %s
                  device: cpu
                %s""".formatted(modelId, family, source, engine, kind == Kind.TEXT ? "  max_context_tokens: 256\n" : "");
    }
}
