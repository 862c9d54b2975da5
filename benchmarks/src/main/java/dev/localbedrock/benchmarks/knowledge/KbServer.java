package dev.localbedrock.benchmarks.knowledge;

import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.knowledge.vector.FieldNames;
import dev.localbedrock.knowledge.vector.IndexSpec;
import dev.localbedrock.knowledge.vector.Metric;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBase;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBaseStatus;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The server the knowledge-base benchmarks drive, started in-process on a work folder: the built-in
 * all-MiniLM-L6-v2 served as Titan Embeddings G1 (as the runtime's knowledge-base tests serve it), objects as files
 * under {@code objects/} ({@code s3://B/K} is {@code objects/B/K}), the embedded Lucene store in {@code vectors/} and
 * the SQLite state under {@code cache/}, so a knowledge base outlives a restart on the same folder.
 */
public final class KbServer implements AutoCloseable {
    public static final String TITAN_ID = "amazon.titan-embed-text-v1";
    static final String TITAN_ARN = "arn:aws:bedrock:us-east-1::foundation-model/" + TITAN_ID;
    static final String ROLE = "arn:aws:iam::123456789012:role/kb-bench";
    private static final Duration POLL = Duration.ofMillis(20);

    private final Path workDir;
    private final BedrockService service;

    private KbServer(Path workDir, BedrockService service) {
        this.workDir = workDir;
        this.service = service;
    }

    /** Writes {@code workDir/models.yaml} (unless there) and starts the server on an ephemeral port. */
    public static KbServer start(Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path file = workDir.resolve("models.yaml");
        if (!Files.exists(file)) {
            Files.writeString(file, """
                    server:
                      host: 127.0.0.1
                      port: 0
                    cache_dir: cache
                    storage:
                      local_dir: objects
                    vector_store:
                      kind: embedded
                      dir: vectors
                    models:
                      - id: %s
                        family: amazon-titan-embed
                        source: builtin:all-MiniLM-L6-v2
                        engine: onnxruntime
                        device: cpu
                    """.formatted(TITAN_ID));
        }
        return new KbServer(workDir, BedrockService.start(CatalogLoader.load(file)));
    }

    /** Where {@code s3://bucket/} lives on disk. */
    public static Path bucketDir(Path workDir, String bucket) {
        return workDir.resolve("objects").resolve(bucket);
    }

    /** The embedded store's root folder: one folder per knowledge-base index under it. */
    public static Path vectorsDir(Path workDir) {
        return workDir.resolve("vectors");
    }

    /**
     * The spec the server gives a knowledge base created with the default field mapping and MiniLM's 384
     * dimensions: the index is named after the knowledge base's id and the default index name (the runtime's
     * {@code VectorStoreIndexes.spec}); the store refuses to open an existing index with any other spec.
     */
    public static IndexSpec defaultIndexSpec(String knowledgeBaseId, int dimensions) {
        KnowledgeBaseDefinition.FieldMapping f = KnowledgeBaseDefinition.FieldMapping.DEFAULT;
        return new IndexSpec(knowledgeBaseId + "-" + f.indexName(), dimensions, Metric.COSINE,
                new FieldNames(f.vectorField(), f.textField(), f.metadataField()));
    }

    /** The served embedding model's worker: what ingestion and Retrieve submit texts to. */
    public EmbeddingWorker embeddingWorker() {
        return service.registry().served().stream().filter(m -> m instanceof ServedModel.Embedding)
                .map(m -> ((ServedModel.Embedding) m).worker()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no embedding model is served"));
    }

    public BedrockAgentClient agentClient() {
        return BedrockAgentClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    public BedrockAgentRuntimeClient agentRuntimeClient() {
        return BedrockAgentRuntimeClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** Creates a knowledge base on the served Titan (MiniLM) and waits until it is ACTIVE; returns its id. */
    public static String createKnowledgeBase(BedrockAgentClient agent, String name) throws InterruptedException {
        String id = agent.createKnowledgeBase(b -> b.name(name).roleArn(ROLE).knowledgeBaseConfiguration(k -> k
                .type("VECTOR").vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN))))
                .knowledgeBase().knowledgeBaseId();
        while (true) {
            KnowledgeBase kb = agent.getKnowledgeBase(r -> r.knowledgeBaseId(id)).knowledgeBase();
            if (kb.status() == KnowledgeBaseStatus.ACTIVE) {
                return id;
            }
            if (kb.status() != KnowledgeBaseStatus.CREATING) {
                throw new IllegalStateException("knowledge base " + id + " is " + kb.status() + ": "
                        + kb.failureReasons());
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** An S3 data source over the whole bucket, default chunking (at most 200 tokens a chunk); returns its id. */
    public static String createDataSource(BedrockAgentClient agent, String kbId, String bucket) {
        return agent.createDataSource(b -> b.knowledgeBaseId(kbId).name("corpus").dataSourceConfiguration(d -> d
                .type("S3").s3Configuration(s -> s.bucketArn("arn:aws:s3:::" + bucket)))).dataSource()
                .dataSourceId();
    }

    /** Starts an ingestion job and polls it every 20 ms until it ends. */
    public static IngestionJob ingest(BedrockAgentClient agent, String kbId, String dsId) throws InterruptedException {
        String jobId = agent.startIngestionJob(b -> b.knowledgeBaseId(kbId).dataSourceId(dsId)).ingestionJob()
                .ingestionJobId();
        while (true) {
            IngestionJob job = agent.getIngestionJob(b -> b.knowledgeBaseId(kbId).dataSourceId(dsId)
                    .ingestionJobId(jobId)).ingestionJob();
            if (job.status() == IngestionJobStatus.COMPLETE || job.status() == IngestionJobStatus.FAILED
                    || job.status() == IngestionJobStatus.STOPPED) {
                return job;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    public Path workDir() {
        return workDir;
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + service.address().getPort());
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));
    }

    /** Stops the server; it commits and closes every open index, so the store can be opened from here after. */
    @Override
    public void close() {
        service.close();
    }
}
