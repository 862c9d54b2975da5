package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.DataSourceBodies;
import dev.localbedrock.codecs.agent.DataSourceDefinition;
import dev.localbedrock.codecs.agent.IngestionJobBodies;
import dev.localbedrock.codecs.agent.KnowledgeBaseBodies;
import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.IngestionJobRepository;
import dev.localbedrock.runtime.state.KnowledgeBaseRepository;
import dev.localbedrock.runtime.state.StoredDataSource;
import dev.localbedrock.runtime.state.StoredKnowledgeBase;
import dev.localbedrock.runtime.state.TagLimitExceededException;
import dev.localbedrock.runtime.state.TagRepository;
import dev.localbedrock.runtime.storage.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Knowledge bases and their data sources: definitions checked against the served embedding models, kept in the
 * state database, their indexes made off the request thread. Create answers CREATING; the knowledge base is ACTIVE
 * once {@link KnowledgeBaseIndexes#create} returned, FAILED if it threw. A restart finishes what was left CREATING.
 */
public final class KnowledgeBaseService implements AutoCloseable {
    public static final String CREATING = "CREATING";
    public static final String ACTIVE = "ACTIVE";
    public static final String FAILED = "FAILED";
    public static final String DELETING = "DELETING";
    public static final String AVAILABLE = "AVAILABLE";
    /** Tags per resource, as AWS limits them; past it bedrock-agent answers ServiceQuotaExceededException. */
    public static final int MAX_TAGS = 50;
    private static final Logger log = LoggerFactory.getLogger(KnowledgeBaseService.class);

    private final KnowledgeBaseRepository repository;
    private final TagRepository tags;
    private final EmbeddingModels embeddings;
    private final KnowledgeBaseIndexes indexes;
    private final String arnPrefix;
    private final Clock clock;
    private final IngestionJobs ingestion;
    private final Retrieval retrieval;
    /** One thread: index creation is rare, and one at a time keeps a burst of creates from competing for disk. */
    private final ExecutorService builder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "knowledge-base-index");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param jobs    ingestion jobs and the documents they indexed
     * @param objects where data sources' documents are read ({@code s3://bucket/key})
     */
    public KnowledgeBaseService(KnowledgeBaseRepository repository, TagRepository tags, IngestionJobRepository jobs,
                                Function<String, ModelTarget> models, KnowledgeBaseIndexes indexes,
                                ObjectStore objects, String region, String account, Clock clock) {
        this(repository, tags, jobs, models, indexes, objects, region, account, clock,
                dev.localbedrock.runtime.state.JobLeases.singleProcess());
    }

    /** @param leases how this server leases its ingestion jobs in the state (shared by replicas, or its own) */
    public KnowledgeBaseService(KnowledgeBaseRepository repository, TagRepository tags, IngestionJobRepository jobs,
                                Function<String, ModelTarget> models, KnowledgeBaseIndexes indexes,
                                ObjectStore objects, String region, String account, Clock clock,
                                dev.localbedrock.runtime.state.JobLeases leases) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.tags = Objects.requireNonNull(tags, "tags");
        this.embeddings = new EmbeddingModels(models);
        this.indexes = Objects.requireNonNull(indexes, "indexes");
        this.arnPrefix = "arn:aws:bedrock:" + region + ":" + account + ":knowledge-base/";
        this.clock = clock;
        this.ingestion = new IngestionJobs(jobs, new IngestionRun.Context(repository, models, indexes, objects),
                clock, leases);
        this.retrieval = new Retrieval(repository, models, indexes, arnPrefix);
        this.groundedAnswers = new dev.localbedrock.runtime.knowledge.rag.GroundedAnswers(retrieval,
                new dev.localbedrock.runtime.knowledge.rag.Conversations(clock)); // RetrieveAndGenerate
    }

    /** Retrieve (bedrock-agent-runtime) over these knowledge bases. */
    public Retrieval retrieval() {
        return retrieval;
    }

    // ---- RetrieveAndGenerate ----
    private final dev.localbedrock.runtime.knowledge.rag.GroundedAnswers groundedAnswers;

    /** RetrieveAndGenerate (bedrock-agent-runtime) over these knowledge bases, with its sessions. */
    public dev.localbedrock.runtime.knowledge.rag.GroundedAnswers groundedAnswers() {
        return groundedAnswers;
    }
    // ---- end of RetrieveAndGenerate ----

    // ---- ingestion jobs (StartIngestionJob, GetIngestionJob, ListIngestionJobs, StopIngestionJob) ----

    public IngestionJobBodies.Described startIngestionJob(String knowledgeBaseId, String dataSourceId,
                                                          IngestionJobBodies.Start request) {
        StoredKnowledgeBase kb = find(knowledgeBaseId);
        findDataSource(knowledgeBaseId, dataSourceId);
        return ingestion.start(knowledgeBaseId, dataSourceId, kb.status(), request);
    }

    public IngestionJobBodies.Described getIngestionJob(String knowledgeBaseId, String dataSourceId, String id) {
        findDataSource(knowledgeBaseId, dataSourceId);
        return ingestion.get(dataSourceId, id);
    }

    public List<IngestionJobBodies.Described> listIngestionJobs(String knowledgeBaseId, String dataSourceId,
                                                                IngestionJobBodies.ListRequest request) {
        findDataSource(knowledgeBaseId, dataSourceId);
        return ingestion.list(dataSourceId, request);
    }

    public IngestionJobBodies.Described stopIngestionJob(String knowledgeBaseId, String dataSourceId, String id) {
        findDataSource(knowledgeBaseId, dataSourceId);
        return ingestion.stop(dataSourceId, id);
    }

    // ---- end of ingestion jobs ----

    /**
     * Builds the indexes of knowledge bases a stop interrupted while CREATING; takes over ingestion jobs a server
     * that ended left unfinished.
     */
    public void resume() {
        ingestion.recover();
        for (StoredKnowledgeBase kb : repository.list()) {
            if (kb.status().equals(CREATING)) {
                builder.execute(() -> build(kb.id()));
            }
        }
    }

    public KnowledgeBaseBodies.Described create(KnowledgeBaseBodies.Create request) {
        if (request.clientToken() != null) {
            // The SDKs fill the token on every Create and resend it on a retry: the retry gets the first answer.
            var earlier = repository.findByClientToken(request.clientToken());
            if (earlier.isPresent()) {
                return describe(earlier.get());
            }
        }
        KnowledgeBaseDefinition d = request.definition();
        embeddings.check(d.embeddingModelArn(), d.dimensions());
        if (request.tags().size() > MAX_TAGS) {
            throw tooManyTags(request.tags().size());
        }
        if (repository.list().stream().anyMatch(kb -> kb.name().equals(d.name()))) {
            throw nameTaken(d.name());
        }
        Instant now = now();
        String id = AgentIds.newId();
        StoredKnowledgeBase kb = new StoredKnowledgeBase(id, arnPrefix + id, d.name(), CREATING,
                KnowledgeBaseBodies.stored(d), List.of(), now, now, request.clientToken());
        try {
            repository.create(kb, request.tags());
        } catch (DuplicateResourceException e) {
            throw nameTaken(d.name()); // a concurrent create of the same name won
        }
        builder.execute(() -> build(id));
        return describe(kb);
    }

    /** Makes the index and turns the knowledge base ACTIVE, or FAILED with the reason. */
    private void build(String id) {
        StoredKnowledgeBase kb = repository.find(id).orElse(null);
        if (kb == null || !kb.status().equals(CREATING)) {
            return; // deleted meanwhile, or already built
        }
        KnowledgeBaseDefinition d = KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson());
        try {
            EmbeddingModels.Chosen model = embeddings.check(d.embeddingModelArn(), d.dimensions());
            indexes.create(id, d, model.modelId(), model.dimensions());
            repository.update(kb.withStatus(ACTIVE, List.of(), now()));
        } catch (RuntimeException e) {
            log.warn("knowledge base {}: its index could not be made", id, e);
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            repository.update(kb.withStatus(FAILED, List.of(reason.length() > 2048 ? reason.substring(0, 2048)
                    : reason), now()));
        }
    }

    public KnowledgeBaseBodies.Described get(String id) {
        return describe(find(id));
    }

    /** Every knowledge base, oldest first. */
    public List<KnowledgeBaseBodies.Described> list() {
        return repository.list().stream().map(KnowledgeBaseService::describe).toList();
    }

    /**
     * Renames, redescribes or changes the role of a knowledge base. Its configuration and storage cannot change
     * (the index was built for them), so Update must send them as Create did, as the service requires.
     */
    public KnowledgeBaseBodies.Described update(String id, KnowledgeBaseDefinition d) {
        StoredKnowledgeBase kb = find(id);
        KnowledgeBaseDefinition before = KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson());
        if (!KnowledgeBaseBodies.same(before.configuration(), d.configuration())) {
            throw BedrockException.validation("The knowledgeBaseConfiguration of a knowledge base cannot be changed;"
                    + " send the one GetKnowledgeBase returns.");
        }
        if (!KnowledgeBaseBodies.same(before.storage(), d.storage())) {
            throw BedrockException.validation("The storageConfiguration of a knowledge base cannot be changed;"
                    + " send the one GetKnowledgeBase returns.");
        }
        if (!d.name().equals(kb.name()) && repository.list().stream().anyMatch(o -> o.name().equals(d.name()))) {
            throw nameTaken(d.name());
        }
        StoredKnowledgeBase updated = kb.withDefinition(d.name(), KnowledgeBaseBodies.stored(d), now());
        try {
            repository.update(updated);
        } catch (DuplicateResourceException e) {
            throw nameTaken(d.name());
        }
        return describe(updated);
    }

    /** Deletes the knowledge base, its data sources and its index; answers the status the API reports: DELETING. */
    public String delete(String id) {
        StoredKnowledgeBase kb = find(id);
        ingestion.forgetKnowledgeBase(id, repository.listDataSources(id).stream().map(StoredDataSource::id)
                .toList());
        indexes.delete(id, KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson()));
        repository.delete(id);
        return DELETING;
    }

    public DataSourceBodies.Described createDataSource(String knowledgeBaseId, DataSourceBodies.Create request) {
        find(knowledgeBaseId);
        if (request.clientToken() != null) {
            var earlier = repository.findDataSourceByClientToken(knowledgeBaseId, request.clientToken());
            if (earlier.isPresent()) {
                return describe(earlier.get());
            }
        }
        DataSourceDefinition d = request.definition();
        if (repository.listDataSources(knowledgeBaseId).stream().anyMatch(s -> s.name().equals(d.name()))) {
            throw dataSourceNameTaken(knowledgeBaseId, d.name());
        }
        Instant now = now();
        StoredDataSource ds = new StoredDataSource(AgentIds.newId(), knowledgeBaseId, d.name(), AVAILABLE,
                DataSourceBodies.stored(d), now, now, request.clientToken());
        try {
            repository.createDataSource(ds);
        } catch (DuplicateResourceException e) {
            throw dataSourceNameTaken(knowledgeBaseId, d.name());
        }
        return describe(ds);
    }

    public DataSourceBodies.Described getDataSource(String knowledgeBaseId, String id) {
        return describe(findDataSource(knowledgeBaseId, id));
    }

    /** A knowledge base's data sources, oldest first. */
    public List<DataSourceBodies.Described> listDataSources(String knowledgeBaseId) {
        find(knowledgeBaseId);
        return repository.listDataSources(knowledgeBaseId).stream().map(KnowledgeBaseService::describe).toList();
    }

    /**
     * Changes a data source's name, description, bucket, prefixes or deletion policy; its chunking cannot change
     * (the chunks already in the index were cut by it), as the service has it.
     */
    public DataSourceBodies.Described updateDataSource(String knowledgeBaseId, String id, DataSourceDefinition d) {
        StoredDataSource ds = findDataSource(knowledgeBaseId, id);
        DataSourceDefinition before = DataSourceBodies.fromStored(ds.name(), ds.bodyJson());
        if (!before.chunking().equals(d.chunking())) {
            throw BedrockException.validation("The vectorIngestionConfiguration.chunkingConfiguration of a data"
                    + " source cannot be changed; send the one GetDataSource returns.");
        }
        if (!d.name().equals(ds.name()) && repository.listDataSources(knowledgeBaseId).stream()
                .anyMatch(o -> o.name().equals(d.name()))) {
            throw dataSourceNameTaken(knowledgeBaseId, d.name());
        }
        StoredDataSource updated = ds.withDefinition(d.name(), DataSourceBodies.stored(d), now());
        try {
            repository.updateDataSource(updated);
        } catch (DuplicateResourceException e) {
            throw dataSourceNameTaken(knowledgeBaseId, d.name());
        }
        return describe(updated);
    }

    /**
     * Deletes the data source, and with policy DELETE its chunks in the index (RETAIN keeps them searchable);
     * answers the status the API reports: DELETING.
     */
    public String deleteDataSource(String knowledgeBaseId, String id) {
        StoredKnowledgeBase kb = find(knowledgeBaseId);
        StoredDataSource ds = findDataSource(knowledgeBaseId, id);
        ingestion.forgetDataSource(id);
        if (DataSourceBodies.fromStored(ds.name(), ds.bodyJson()).dataDeletionPolicy().equals("DELETE")
                && kb.status().equals(ACTIVE)) {
            KnowledgeBaseDefinition d = KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson());
            try {
                var store = indexes.open(knowledgeBaseId, d, embeddings.check(d.embeddingModelArn(),
                        d.dimensions()).dimensions());
                store.deleteByDataSource(id);
                store.commit();
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("data source {}: its chunks could not be deleted from the index", id, e);
            }
        }
        repository.deleteDataSource(knowledgeBaseId, id);
        return DELETING;
    }

    /** Milliseconds, as the state keeps instants: a Create answer and a later Get show the same times. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Adds tags to a knowledge base (its ARN), replacing the values of keys it has. */
    public void tag(String resourceArn, java.util.Map<String, String> add) {
        String arn = taggable(resourceArn);
        try {
            tags.tag(arn, add, MAX_TAGS);
        } catch (TagLimitExceededException e) {
            throw tooManyTags(tags.list(arn).size() + add.size());
        }
    }

    public void untag(String resourceArn, java.util.Collection<String> keys) {
        tags.untag(taggable(resourceArn), keys);
    }

    public java.util.SortedMap<String, String> listTags(String resourceArn) {
        return tags.list(taggable(resourceArn));
    }

    /** The ARN of a knowledge base there is; anything else is not found (agents are not kept yet). */
    private String taggable(String resourceArn) {
        if (resourceArn != null && resourceArn.startsWith(arnPrefix)) {
            var kb = repository.find(resourceArn.substring(arnPrefix.length()));
            if (kb.isPresent() && kb.get().arn().equals(resourceArn)) {
                return resourceArn;
            }
        }
        throw BedrockException.notFound("The resource " + resourceArn + " is not found; tags are kept on"
                + " knowledge bases (" + arnPrefix + "ID).");
    }

    private static BedrockException tooManyTags(int count) {
        return new BedrockException(BedrockErrorType.SERVICE_QUOTA_EXCEEDED, "A resource has at most " + MAX_TAGS
                + " tags; this one would have " + count + ".");
    }

    private StoredKnowledgeBase find(String id) {
        return repository.find(id).orElseThrow(() -> BedrockException.notFound("Knowledge base " + id
                + " does not exist; ListKnowledgeBases lists the ones there are."));
    }

    private StoredDataSource findDataSource(String knowledgeBaseId, String id) {
        find(knowledgeBaseId);
        return repository.findDataSource(knowledgeBaseId, id).orElseThrow(() -> BedrockException.notFound(
                "Data source " + id + " does not exist in knowledge base " + knowledgeBaseId
                        + "; ListDataSources lists the ones there are."));
    }

    private static BedrockException nameTaken(String name) {
        return new BedrockException(BedrockErrorType.CONFLICT, "A knowledge base named " + name
                + " already exists; names are unique.");
    }

    private static BedrockException dataSourceNameTaken(String knowledgeBaseId, String name) {
        return new BedrockException(BedrockErrorType.CONFLICT, "Knowledge base " + knowledgeBaseId
                + " already has a data source named " + name + "; names are unique within a knowledge base.");
    }

    private static KnowledgeBaseBodies.Described describe(StoredKnowledgeBase kb) {
        return new KnowledgeBaseBodies.Described(kb.id(), kb.arn(), kb.status(), kb.createdAt(), kb.updatedAt(),
                kb.failureReasons(), KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson()));
    }

    private static DataSourceBodies.Described describe(StoredDataSource ds) {
        return new DataSourceBodies.Described(ds.knowledgeBaseId(), ds.id(), ds.status(), ds.createdAt(),
                ds.updatedAt(), DataSourceBodies.fromStored(ds.name(), ds.bodyJson()));
    }

    /** Lets an index being built finish (briefly), then stops the builder; a CREATING one resumes at next start. */
    @Override
    public void close() {
        ingestion.close();
        builder.shutdown();
        try {
            builder.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        indexes.close();
    }
}
