package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.TestServers;

/**
 * The model families the real-client tests drive, one model id each. A family is served (and its client tests can
 * run) once its codec is merged: adding one is flipping {@code merged} here and removing the {@code @Disabled} of its
 * cases in the client test classes. Text families are served by tiny-random-llama, embedding families by the
 * built-in all-MiniLM-L6-v2, as in the default models.yaml.
 */
enum ServedFamily {
    META_LLAMA2("meta-llama2", TestServers.LLAMA_ID, Kind.TEXT, true),
    AMAZON_TITAN_EMBED("amazon-titan-embed", TestServers.TITAN_EMBED_ID, Kind.EMBEDDING, true),
    AMAZON_TITAN_TEXT("amazon-titan-text", "amazon.titan-text-express-v1", Kind.TEXT, false),
    ANTHROPIC_CLAUDE("anthropic-claude", "anthropic.claude-v2", Kind.TEXT, false),
    AI21_J2("ai21-j2", "ai21.j2-mid-v1", Kind.TEXT, false),
    COHERE_COMMAND("cohere-command", "cohere.command-text-v14", Kind.TEXT, false),
    COHERE_EMBED("cohere-embed", "cohere.embed-english-v3", Kind.EMBEDDING, false);

    enum Kind { TEXT, EMBEDDING }

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
