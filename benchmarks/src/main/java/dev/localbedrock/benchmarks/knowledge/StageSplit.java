package dev.localbedrock.benchmarks.knowledge;

import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.knowledge.chunk.Chunk;
import dev.localbedrock.knowledge.chunk.Chunker;
import dev.localbedrock.knowledge.extract.ExtractedDocument;
import dev.localbedrock.knowledge.extract.Extractors;
import dev.localbedrock.knowledge.vector.ChunkRecord;
import dev.localbedrock.knowledge.vector.VectorStore;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Ingestion's stages driven directly, one after another on one thread, each timed on its own: read the file,
 * extract its text ({@link Extractors}), cut it with the data source's default chunking ({@link Chunker}, at most
 * 200 tokens, capped by the model's limit, counted by the model's own tokenizer), embed the chunks through the
 * served model's {@link EmbeddingWorker} 64 texts to a request, and upsert them into a {@link VectorStore} (commit
 * included). The batching is the server's: documents' chunks gather until there are at least 64, then go to the
 * model and the store together, as an ingestion job does.
 */
public final class StageSplit {
    /** Texts per embedding request: the server's ingestion batch. */
    static final int BATCH = 64;

    /** Nanoseconds per stage, and what went through. */
    public record Result(int documents, int chunks, long readNanos, long extractNanos, long chunkNanos,
                         long embedNanos, long storeNanos) {
        public long totalNanos() {
            return readNanos + extractNanos + chunkNanos + embedNanos + storeNanos;
        }

        public double chunksPerSecond() {
            return chunks / (totalNanos() / 1e9);
        }
    }

    private final EmbeddingWorker worker;
    private final VectorStore store;
    private final Chunker chunker;
    private final List<ChunkRecord> pending = new ArrayList<>();
    private long embedNanos;
    private long storeNanos;

    public StageSplit(EmbeddingWorker worker, VectorStore store) {
        this.worker = worker;
        this.store = store;
        this.chunker = new Chunker(worker::countTokens, Math.min(worker.maxTokens(), Chunker.DEFAULT_MAX_TOKENS), 0);
    }

    /** Runs every stage over the files, in the order given. */
    public Result run(Path dir, List<String> keys) throws Exception {
        long read = 0;
        long extract = 0;
        long chunk = 0;
        int chunks = 0;
        for (String key : keys) {
            long t0 = System.nanoTime();
            byte[] bytes = Files.readAllBytes(dir.resolve(key));
            long t1 = System.nanoTime();
            ExtractedDocument doc = Extractors.extract(key, bytes);
            long t2 = System.nanoTime();
            List<Chunk> cut = chunker.chunk(doc.text());
            long t3 = System.nanoTime();
            read += t1 - t0;
            extract += t2 - t1;
            chunk += t3 - t2;
            for (int i = 0; i < cut.size(); i++) {
                // the vector is filled in when the batch is embedded
                pending.add(new ChunkRecord(key + "#" + i, "stage-split", "s3://corpus/" + key,
                        cut.get(i).text(), doc.metadata(), new float[0]));
            }
            chunks += cut.size();
            if (pending.size() >= BATCH) {
                flush();
            }
        }
        flush();
        long t0 = System.nanoTime();
        store.commit();
        storeNanos += System.nanoTime() - t0;
        return new Result(keys.size(), chunks, read, extract, chunk, embedNanos, storeNanos);
    }

    private void flush() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        List<String> texts = pending.stream().map(ChunkRecord::text).toList();
        long t0 = System.nanoTime();
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            vectors.addAll(worker.submit(new EmbeddingRequest(texts.subList(from, Math.min(texts.size(), from + BATCH)),
                    EmbeddingRequest.Truncation.NONE)).get().embeddings());
        }
        long t1 = System.nanoTime();
        List<ChunkRecord> records = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            ChunkRecord r = pending.get(i);
            records.add(new ChunkRecord(r.chunkId(), r.dataSourceId(), r.sourceUri(), r.text(),
                    r.metadata(), vectors.get(i)));
        }
        store.upsert(records);
        long t2 = System.nanoTime();
        embedNanos += t1 - t0;
        storeNanos += t2 - t1;
        pending.clear();
    }
}
