package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.generation.WorkerHooks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/** Starts the real service on an ephemeral port over the shared test models. */
public final class TestServers {
    public static final String LLAMA_ID = "meta.llama2-13b-chat-v1";
    public static final String TITAN_EMBED_ID = "amazon.titan-embed-text-v1";

    private TestServers() {
    }

    public static Path sharedModels() {
        String configured = System.getProperty("shared.models.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "models");
        if (!Files.isDirectory(dir.resolve("tiny-random-llama"))) {
            throw new IllegalStateException("shared test models not found at " + dir.toAbsolutePath()
                    + " (expected ../shared/models beside the repository)");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path tinyLlama() {
        return sharedModels().resolve("tiny-random-llama");
    }

    public static Path tinyGpt2() {
        return sharedModels().resolve("tiny-random-gpt2");
    }

    /** Serves tiny-random-llama as the Llama 2 family, with the given extra YAML lines per model. */
    static BedrockService startTinyLlama(Path workDir, String extraModelYaml) throws IOException, InterruptedException {
        return startTinyLlama(workDir, "", extraModelYaml);
    }

    /**
     * Serves tiny-random-llama as the Llama 2 family and the built-in all-MiniLM-L6-v2 as Titan Embeddings
     * ({@value #TITAN_EMBED_ID}), with the given extra YAML lines for the embedding entry.
     */
    static BedrockService startTinyLlamaAndMiniLm(Path workDir, String extraEmbeddingYaml)
            throws IOException, InterruptedException {
        return startTinyLlama(workDir, "", "", entry -> WorkerHooks.defaults(), miniLmAsTitan(extraEmbeddingYaml));
    }

    /** As above, with extra YAML lines for the server section. */
    static BedrockService startTinyLlama(Path workDir, String extraServerYaml, String extraModelYaml)
            throws IOException, InterruptedException {
        return startTinyLlama(workDir, extraServerYaml, extraModelYaml, entry -> WorkerHooks.defaults());
    }

    /** As above, with the scheduler hooks (admission policy, metrics) given per model. */
    static BedrockService startTinyLlama(Path workDir, String extraServerYaml, String extraModelYaml,
                                         Function<ModelEntry, WorkerHooks> hooks)
            throws IOException, InterruptedException {
        return startTinyLlama(workDir, extraServerYaml, extraModelYaml, hooks, "");
    }

    /** As above, with further model entries (a YAML list, unindented) after the Llama one. */
    static BedrockService startTinyLlama(Path workDir, String extraServerYaml, String extraModelYaml,
                                         Function<ModelEntry, WorkerHooks> hooks, String moreModels)
            throws IOException, InterruptedException {
        String llamaYaml = (extraModelYaml.contains("max_context_tokens:") ? "" : "max_context_tokens: 256\n")
                + extraModelYaml;
        Path file = writeTinyLlamaCatalogue(workDir, "pytorch", extraServerYaml, llamaYaml, moreModels);
        return BedrockService.start(CatalogLoader.load(file), hooks);
    }

    /**
     * Writes {@code workDir/models.yaml}: tiny-random-llama as the Llama 2 family ({@value #LLAMA_ID}) on
     * {@code engine}, on an ephemeral port, with {@code serverYaml} lines added to the server section,
     * {@code llamaYaml} lines to the Llama entry, and {@code moreModels} (a YAML list, unindented) after it. Every
     * test server is written by this one method, so a change to the catalogue format is made once.
     */
    public static Path writeTinyLlamaCatalogue(Path workDir, String engine, String serverYaml, String llamaYaml,
                                               String moreModels) throws IOException {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                %s
                models:
                  - id: %s
                    family: meta-llama2
                    source: %s
                    engine: %s
                    device: cpu
                %s
                %s
                """.formatted(serverYaml.indent(2), LLAMA_ID, tinyLlama(), engine, llamaYaml.indent(4),
                moreModels.indent(2));
        Path file = workDir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** A model entry (for {@code moreModels}) serving the generated random-weight SDXL test pipeline. */
    static String smokeSdxl(String modelId) {
        return """
                - id: %s
                  source: generated:smoke-sdxl
                  engine: onnxruntime
                  device: cpu
                """.formatted(modelId);
    }

    /** A model entry (for {@code moreModels}) serving the built-in all-MiniLM-L6-v2 as {@value #TITAN_EMBED_ID}. */
    public static String miniLmAsTitan(String extraYaml) {
        return """
                - id: %s
                  family: amazon-titan-embed
                  source: builtin:all-MiniLM-L6-v2
                  engine: onnxruntime
                  device: cpu
                %s""".formatted(TITAN_EMBED_ID, extraYaml.indent(2));
    }

    /** The unchanged sync SDK client (HTTP/1.1) pointed at a running service, with static dummy credentials. */
    public static software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient syncClient(BedrockService service) {
        return software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient.builder()
                .endpointOverride(endpoint(service)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** The unchanged control-plane SDK client (bedrock) pointed at a running service. */
    public static software.amazon.awssdk.services.bedrock.BedrockClient controlPlaneClient(BedrockService service) {
        return software.amazon.awssdk.services.bedrock.BedrockClient.builder()
                .endpointOverride(endpoint(service)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** The unchanged bedrock-agent SDK client (knowledge bases, agents) pointed at a running service. */
    public static software.amazon.awssdk.services.bedrockagent.BedrockAgentClient agentClient(BedrockService service) {
        return software.amazon.awssdk.services.bedrockagent.BedrockAgentClient.builder()
                .endpointOverride(endpoint(service)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** The unchanged bedrock-agent-runtime async client (InvokeAgent's event stream) pointed at a running service. */
    public static software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient agentRuntimeClient(
            BedrockService service) {
        return software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient.builder()
                .endpointOverride(endpoint(service)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** The unchanged async SDK client (HTTP/2 cleartext by default) pointed at a running service. */
    public static software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient asyncClient(BedrockService service) {
        return software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient.builder()
                .endpointOverride(endpoint(service)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** Trust managers that trust only the PEM certificate {@code cert} (the server's self-signed one, in tests). */
    public static software.amazon.awssdk.http.TlsTrustManagersProvider trusting(Path cert) {
        return () -> {
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(cert)) {
                java.security.KeyStore store = java.security.KeyStore.getInstance(
                        java.security.KeyStore.getDefaultType());
                store.load(null, null);
                store.setCertificateEntry("local-bedrock", java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(in));
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                return tmf.getTrustManagers();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Closes what was opened, skipping what never got created. */
    static void closeAll(AutoCloseable... resources) throws Exception {
        for (AutoCloseable r : resources) {
            if (r != null) {
                r.close();
            }
        }
    }

    private static java.net.URI endpoint(BedrockService service) {
        return java.net.URI.create("http://127.0.0.1:" + service.address().getPort());
    }

    private static software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials() {
        return software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));
    }
}
