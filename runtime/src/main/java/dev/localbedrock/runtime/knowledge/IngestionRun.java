package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.agent.DataSourceBodies;
import dev.localbedrock.codecs.agent.DataSourceDefinition;
import dev.localbedrock.codecs.agent.KnowledgeBaseBodies;
import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.knowledge.vector.ChunkRecord;
import dev.localbedrock.knowledge.vector.VectorStore;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.state.IngestionJobRepository;
import dev.localbedrock.runtime.state.KnowledgeBaseRepository;
import dev.localbedrock.runtime.state.StoredDataSource;
import dev.localbedrock.runtime.state.StoredDocument;
import dev.localbedrock.runtime.state.StoredIngestionJob;
import dev.localbedrock.runtime.state.StoredKnowledgeBase;
import dev.localbedrock.runtime.storage.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One ingestion job, on the ingestion thread: lists the data source's prefixes, indexes each new or changed
 * document (its fingerprint differs from the one recorded), deletes the chunks of documents no longer listed, and
 * leaves unchanged ones alone. A document that fails is counted and its reason recorded as
 * {@code s3://bucket/key: reason}; the job still completes. Only what stops the whole sync (the bucket cannot be
 * listed, the index cannot be written) makes it FAILED.
 */
final class IngestionRun {
    /** Reasons kept per job, each at most the API's 2048 characters. */
    static final int MAX_REASONS = 100;
    private static final String METADATA_SUFFIX = ".metadata.json";
    private static final Logger log = LoggerFactory.getLogger(IngestionRun.class);

    /** What a run reads and writes besides its job. */
    record Context(KnowledgeBaseRepository knowledgeBases, Function<String, ModelTarget> models,
                   KnowledgeBaseIndexes indexes, ObjectStore objects) {
    }

    private final Context context;
    private final IngestionJobRepository jobs;
    private final AtomicBoolean stop;
    /** False once another server took this job's lease over: then nothing more is written for it here. */
    private final java.util.function.BooleanSupplier owned;
    private final Clock clock;
    private final IngestionStatistics stats = new IngestionStatistics();
    private final List<String> reasons = new ArrayList<>();
    private StoredIngestionJob job;

    IngestionRun(Context context, IngestionJobRepository jobs, StoredIngestionJob job, AtomicBoolean stop,
                 Clock clock) {
        this(context, jobs, job, stop, () -> true, clock);
    }

    IngestionRun(Context context, IngestionJobRepository jobs, StoredIngestionJob job, AtomicBoolean stop,
                 java.util.function.BooleanSupplier owned, Clock clock) {
        this.context = context;
        this.jobs = jobs;
        this.job = job;
        this.stop = stop;
        this.owned = owned;
        this.clock = clock;
    }

    void run() {
        if (stop.get()) {
            save(IngestionJobs.STOPPED);
            return;
        }
        save(IngestionJobs.IN_PROGRESS);
        try {
            String end = sync();
            save(end);
            log.info("ingestion job {} of data source {}: {} {}", job.id(), job.dataSourceId(), end, stats.toMap());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping: the next start marks the job FAILED
        } catch (IOException | RuntimeException e) {
            log.warn("ingestion job {} of data source {} failed", job.id(), job.dataSourceId(), e);
            reason(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            save(IngestionJobs.FAILED);
        }
    }

    /** Syncs the data source; answers COMPLETE, or STOPPED when a stop was asked. */
    private String sync() throws IOException, InterruptedException {
        StoredKnowledgeBase kb = context.knowledgeBases().find(job.knowledgeBaseId()).orElseThrow(() ->
                new IllegalStateException("knowledge base " + job.knowledgeBaseId() + " no longer exists"));
        StoredDataSource ds = context.knowledgeBases().findDataSource(kb.id(), job.dataSourceId()).orElseThrow(() ->
                new IllegalStateException("data source " + job.dataSourceId() + " no longer exists"));
        KnowledgeBaseDefinition kbDefinition = KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson());
        DataSourceDefinition source = DataSourceBodies.fromStored(ds.name(), ds.bodyJson());
        ServedModel model = context.models().apply(kbDefinition.embeddingModelArn()).model();
        if (!(model instanceof ServedModel.Embedding embedding)) {
            throw new IllegalStateException("the knowledge base's model " + kbDefinition.embeddingModelArn()
                    + " is not an embedding model");
        }
        VectorStore store = context.indexes().open(kb.id(), kbDefinition, embedding.worker().dimensions());
        DocumentIndexer indexer = new DocumentIndexer(embedding.worker(), source.chunking());

        String bucket = source.bucket();
        Map<String, ObjectStore.ObjectInfo> listed = new TreeMap<>();
        for (String prefix : source.inclusionPrefixes().isEmpty() ? List.of("") : source.inclusionPrefixes()) {
            for (ObjectStore.ObjectInfo o : context.objects().listObjects(bucket, prefix)) {
                listed.put(o.key(), o);
            }
        }
        Map<String, StoredDocument> known = new TreeMap<>();
        jobs.documents(ds.id()).forEach(d -> known.put(d.key(), d));

        Batch batch = new Batch(ds.id(), kb.id(), store, indexer);
        for (ObjectStore.ObjectInfo object : listed.values()) {
            if (!owned.getAsBoolean()) {
                return IngestionJobs.STOPPED; // not written: the job is another server's now
            }
            if (stop.get()) {
                batch.flush();
                store.commit();
                return IngestionJobs.STOPPED;
            }
            if (object.key().endsWith(METADATA_SUFFIX)) {
                stats.metadataScanned++; // counted; their attributes are not read yet
                continue;
            }
            stats.scanned++;
            StoredDocument before = known.get(object.key());
            if (before != null && before.fingerprint().equals(object.fingerprint())) {
                continue; // unchanged since it was indexed
            }
            String uri = ObjectStore.uri(bucket, object.key());
            try {
                byte[] content = context.objects().get(bucket, object.key()).orElse(null);
                if (content == null) {
                    continue; // deleted since the listing: the next sync deletes its chunks
                }
                batch.add(indexer.prepare(object.key(), uri, content), object.fingerprint(), before != null);
            } catch (DocumentIndexer.DocumentFailure e) {
                failed(uri, e.getMessage());
            }
            if (batch.full()) {
                batch.flush();
            }
        }
        batch.flush();
        for (StoredDocument gone : known.values()) {
            if (!listed.containsKey(gone.key())) {
                store.deleteBySource(ds.id(), ObjectStore.uri(bucket, gone.key()));
                jobs.deleteDocument(ds.id(), gone.key());
                stats.deleted++;
            }
        }
        store.commit();
        return IngestionJobs.COMPLETE;
    }

    private void failed(String uri, String why) {
        stats.failed++;
        reason(uri + ": " + why);
    }

    /**
     * Documents waiting to be embedded: their chunks go to the model together, about one engine call's worth, so
     * a folder of small files is embedded in batches rather than one request a file; then each document's old
     * chunks are replaced and its fingerprint recorded.
     */
    private final class Batch {
        private final String dataSourceId;
        private final String knowledgeBaseId;
        private final VectorStore store;
        private final DocumentIndexer indexer;
        private final List<DocumentIndexer.Prepared> docs = new ArrayList<>();
        private final List<String> fingerprints = new ArrayList<>();
        private final List<Boolean> replacing = new ArrayList<>();
        private int chunks;

        Batch(String dataSourceId, String knowledgeBaseId, VectorStore store, DocumentIndexer indexer) {
            this.dataSourceId = dataSourceId;
            this.knowledgeBaseId = knowledgeBaseId;
            this.store = store;
            this.indexer = indexer;
        }

        void add(DocumentIndexer.Prepared doc, String fingerprint, boolean replaces) {
            docs.add(doc);
            fingerprints.add(fingerprint);
            replacing.add(replaces);
            chunks += doc.texts().size();
        }

        boolean full() {
            return chunks >= DocumentIndexer.BATCH;
        }

        void flush() throws IOException, InterruptedException {
            if (docs.isEmpty()) {
                return;
            }
            List<String> texts = new ArrayList<>(chunks);
            docs.forEach(d -> texts.addAll(d.texts()));
            List<float[]> vectors;
            try {
                vectors = indexer.embed(texts);
            } catch (DocumentIndexer.DocumentFailure e) {
                docs.forEach(d -> failed(d.uri(), e.getMessage()));
                clear();
                save(IngestionJobs.IN_PROGRESS);
                return;
            }
            List<ChunkRecord> records = new ArrayList<>(chunks);
            int at = 0;
            for (int i = 0; i < docs.size(); i++) {
                DocumentIndexer.Prepared d = docs.get(i);
                if (replacing.get(i)) {
                    store.deleteBySource(dataSourceId, d.uri()); // a shorter new version leaves no stale chunks
                }
                records.addAll(DocumentIndexer.records(dataSourceId, d, vectors.subList(at, at + d.texts().size())));
                at += d.texts().size();
            }
            store.upsert(records);
            for (int i = 0; i < docs.size(); i++) {
                DocumentIndexer.Prepared d = docs.get(i);
                jobs.putDocument(new StoredDocument(dataSourceId, knowledgeBaseId, d.key(), fingerprints.get(i),
                        records.stream().filter(r -> r.sourceUri().equals(d.uri())).map(ChunkRecord::chunkId)
                                .toList()));
                if (replacing.get(i)) {
                    stats.modifiedIndexed++;
                } else {
                    stats.newIndexed++;
                }
            }
            clear();
            save(IngestionJobs.IN_PROGRESS);
        }

        private void clear() {
            docs.clear();
            fingerprints.clear();
            replacing.clear();
            chunks = 0;
        }
    }

    private void reason(String reason) {
        if (reasons.size() < MAX_REASONS) {
            reasons.add(reason.length() > 2048 ? reason.substring(0, 2045) + "..." : reason);
        }
    }

    /** Writes the job's status and counters; a Stop asked meanwhile keeps the job STOPPING until it ends. */
    private void save(String status) {
        if (!owned.getAsBoolean()) {
            return;
        }
        String current = jobs.find(job.dataSourceId(), job.id()).map(StoredIngestionJob::status).orElse(status);
        String written = status.equals(IngestionJobs.IN_PROGRESS) && current.equals(IngestionJobs.STOPPING)
                ? IngestionJobs.STOPPING : status;
        if (current.equals(IngestionJobs.STOPPING)) {
            stop.set(true); // asked through another replica: stop before the next document
        }
        job = job.withProgress(written, stats.toMap(), reasons, now());
        jobs.update(job);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
