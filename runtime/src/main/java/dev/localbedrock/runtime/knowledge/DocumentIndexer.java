package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.agent.DataSourceDefinition;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.knowledge.chunk.Chunk;
import dev.localbedrock.knowledge.chunk.Chunker;
import dev.localbedrock.knowledge.extract.ExtractedDocument;
import dev.localbedrock.knowledge.extract.ExtractionException;
import dev.localbedrock.knowledge.extract.Extractors;
import dev.localbedrock.knowledge.vector.ChunkRecord;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * One document into chunk records: extracted to text, cut by the data source's chunking to fit the knowledge base's
 * embedding model (counted by that model's own tokenizer), embedded by the served model in batches. What makes one
 * document unusable is a {@link DocumentFailure}, which ingestion records against that document alone.
 */
final class DocumentIndexer {
    /** Texts per embedding request: what one engine call of the worker takes. */
    static final int BATCH = 64;
    private static final int OVERLOADED_RETRIES = 20;
    private final EmbeddingWorker worker;
    private final Chunker chunker;
    private final boolean wholeDocuments;

    /** A document that cannot be indexed, and why (the message is the reason, without the document's URI). */
    static final class DocumentFailure extends Exception {
        DocumentFailure(String message) {
            super(message);
        }
    }

    DocumentIndexer(EmbeddingWorker worker, DataSourceDefinition.Chunking chunking) {
        this.worker = worker;
        int limit = worker.maxTokens();
        this.wholeDocuments = chunking.strategy().equals("NONE");
        // A chunk over the model's limit would be truncated when embedded: the model's limit caps the data source's.
        int max = wholeDocuments ? limit : Math.min(limit, chunking.maxTokens());
        this.chunker = new Chunker(worker::countTokens, max,
                chunking.strategy().equals("FIXED_SIZE") ? chunking.overlapPercentage() : 0);
    }

    /** The chunk id of a document's {@code ordinal}th chunk: the same for the same data source, key and place. */
    static String chunkId(String dataSourceId, String key, int ordinal) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((dataSourceId + "|" + key + "|" + ordinal)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A document cut into chunks, not yet embedded. */
    record Prepared(String key, String uri, List<String> texts, Map<String, String> metadata) {
    }

    /** Extracts and chunks one document. */
    Prepared prepare(String key, String uri, byte[] content) throws DocumentFailure {
        ExtractedDocument doc;
        try {
            doc = Extractors.extract(key, content);
        } catch (ExtractionException e) {
            throw new DocumentFailure(e.getMessage());
        }
        List<String> texts = new ArrayList<>();
        if (wholeDocuments) {
            int tokens = worker.countTokens(doc.text());
            if (tokens > worker.maxTokens()) {
                throw new DocumentFailure("the document is " + tokens + " tokens, over the embedding model's limit"
                        + " of " + worker.maxTokens() + "; chunking strategy NONE keeps each document one chunk"
                        + " (use FIXED_SIZE, or split the document)");
            }
            texts.add(doc.text());
        } else {
            try {
                for (Chunk c : chunker.chunk(doc.text())) {
                    texts.add(c.text());
                }
            } catch (IllegalArgumentException e) {
                throw new DocumentFailure(e.getMessage());
            }
        }
        return new Prepared(key, uri, texts, doc.metadata());
    }

    /** The records of a prepared document, given its chunks' vectors in order. */
    static List<ChunkRecord> records(String dataSourceId, Prepared doc, List<float[]> vectors) {
        List<ChunkRecord> records = new ArrayList<>(doc.texts().size());
        for (int i = 0; i < doc.texts().size(); i++) {
            records.add(new ChunkRecord(chunkId(dataSourceId, doc.key(), i), dataSourceId, doc.uri(),
                    doc.texts().get(i), doc.metadata(), vectors.get(i)));
        }
        return records;
    }

    /** Embeds texts, {@value #BATCH} to a request. */
    List<float[]> embed(List<String> texts) throws DocumentFailure, InterruptedException {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            out.addAll(embedBatch(batch).embeddings());
        }
        return out;
    }

    /** One request; when the model's queue is full (clients are calling it too), waits and tries again. */
    private EmbeddingOutcome embedBatch(List<String> batch) throws DocumentFailure, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return worker.submit(new EmbeddingRequest(batch, EmbeddingRequest.Truncation.NONE)).get();
            } catch (InferenceFailure e) {
                if (e.kind() != InferenceFailure.Kind.OVERLOADED || attempt >= OVERLOADED_RETRIES) {
                    throw new DocumentFailure("the embedding model failed: " + e.getMessage());
                }
                Thread.sleep(50L * (attempt + 1));
            } catch (ExecutionException e) {
                throw new DocumentFailure("the embedding model failed: " + e.getCause().getMessage());
            }
        }
    }
}
