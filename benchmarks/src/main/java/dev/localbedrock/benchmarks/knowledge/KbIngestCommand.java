package dev.localbedrock.benchmarks.knowledge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.benchmarks.load.Reports;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.knowledge.extract.Extractors;
import dev.localbedrock.knowledge.vector.LuceneVectorStore;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code BenchTool kb-ingest}: knowledge-base ingestion throughput on a generated corpus of mixed documents, end to
 * end through the server (CreateKnowledgeBase, CreateDataSource, StartIngestionJob, GetIngestionJob until
 * COMPLETE, over HTTP with the unchanged bedrock-agent client), then split by stage by driving the same library
 * pieces directly on the same corpus with the same served model ({@link StageSplit}).
 */
@Command(name = "kb-ingest", mixinStandardHelpOptions = true,
        description = "Knowledge-base ingestion chunks/s on a generated txt/md/html/pdf/docx corpus: end to end"
                + " through the in-process server (StartIngestionJob until COMPLETE), and split by stage (extract,"
                + " chunk, embed, store) driven directly (benchmarks/README.md).")
public final class KbIngestCommand implements Callable<Integer> {
    static final String BUCKET = "corpus";

    @Option(names = "--documents", defaultValue = "100", description = "documents, the five formats in turn (default ${DEFAULT-VALUE})")
    int documents;
    @Option(names = "--words", defaultValue = "600", description = "words per document, about (default ${DEFAULT-VALUE})")
    int words;
    @Option(names = "--seed", defaultValue = "22", description = "corpus seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--work-dir", description = "models.yaml, the corpus, the state and the indexes (default: a new temporary folder)")
    Path workDir;
    @Option(names = "--json", description = "write the results as JSON here")
    Path json;

    @Override
    public Integer call() throws Exception {
        Path dir = workDir != null ? workDir : Files.createTempDirectory("kb-ingest");
        Path corpus = KbServer.bucketDir(dir, BUCKET);
        List<CorpusDocuments.Written> written = CorpusDocuments.write(corpus, documents, words, seed);
        long bytes = written.stream().mapToLong(CorpusDocuments.Written::bytes).sum();
        System.err.printf(Locale.ROOT, "wrote %d documents (%.1f MB) under %s%n", written.size(), bytes / 1e6, corpus);

        IngestionJob job;
        double wallSeconds;
        String kbId;
        StageSplit.Result split;
        int dimensions;
        try (KbServer server = KbServer.start(dir); BedrockAgentClient agent = server.agentClient()) {
            EmbeddingWorker worker = server.embeddingWorker();
            dimensions = worker.dimensions();
            // The model's first call and each extractor's first document (PDFBox, POI, jsoup loading their classes)
            // cost seconds once per process; a serving server is past that, so neither measured run pays it.
            worker.submit(new EmbeddingRequest(List.of("warm up the embedding model"),
                    EmbeddingRequest.Truncation.END)).get();
            for (CorpusDocuments.Written w : written.subList(0, Math.min(written.size(),
                    CorpusDocuments.EXTENSIONS.size()))) {
                Extractors.extract(w.key(), Files.readAllBytes(corpus.resolve(w.key())));
            }
            kbId = KbServer.createKnowledgeBase(agent, "kb-ingest");
            String dsId = KbServer.createDataSource(agent, kbId, BUCKET);
            long t0 = System.nanoTime();
            job = KbServer.ingest(agent, kbId, dsId);
            wallSeconds = (System.nanoTime() - t0) / 1e9;
            if (job.status() != IngestionJobStatus.COMPLETE) {
                System.err.println("the ingestion job ended " + job.status() + ": " + job.failureReasons());
                return 1;
            }
            System.err.printf(Locale.ROOT, "ingestion job COMPLETE in %.2f s: %s%n", wallSeconds, job.statistics());
            List<String> keys = written.stream().map(CorpusDocuments.Written::key).sorted().toList();
            try (LuceneVectorStore store = LuceneVectorStore.open(dir.resolve("stage-split-vectors"),
                    KbServer.defaultIndexSpec("stage-split", dimensions))) {
                split = new StageSplit(worker, store).run(corpus, keys);
            }
        }
        long indexed;
        try (LuceneVectorStore kbIndex = LuceneVectorStore.open(KbServer.vectorsDir(dir),
                KbServer.defaultIndexSpec(kbId, dimensions))) {
            indexed = kbIndex.count(); // the server has closed it: the chunks the job left in the KB's index
        }
        double e2eChunksPerSecond = indexed / wallSeconds;
        double total = split.totalNanos() / 1e9;
        String report = String.format(Locale.ROOT, """
                        end to end (StartIngestionJob → COMPLETE, polled every 20 ms): %d documents (%d indexed, %d failed), \
                        %d chunks, %.2f s, %.1f chunks/s, %.1f documents/s

                        | stage (driven directly, one thread) | seconds | share | chunks/s of the stage alone |
                        |---|---:|---:|---:|
                        | read file | %.3f | %.1f %% | %s |
                        | extract (Extractors) | %.3f | %.1f %% | %s |
                        | chunk (Chunker, model's tokenizer, ≤ 200 tokens) | %.3f | %.1f %% | %s |
                        | embed (EmbeddingWorker, 64 texts a request) | %.3f | %.1f %% | %s |
                        | store (LuceneVectorStore upsert + commit) | %.3f | %.1f %% | %s |
                        | **all stages** (%d documents, %d chunks) | %.3f | 100 %% | %.1f |
                        """, job.statistics().numberOfDocumentsScanned(),
                job.statistics().numberOfNewDocumentsIndexed(), job.statistics().numberOfDocumentsFailed(), indexed,
                wallSeconds, e2eChunksPerSecond, written.size() / wallSeconds,
                s(split.readNanos()), share(split.readNanos(), split), rate(split.chunks(), split.readNanos()),
                s(split.extractNanos()), share(split.extractNanos(), split), rate(split.chunks(), split.extractNanos()),
                s(split.chunkNanos()), share(split.chunkNanos(), split), rate(split.chunks(), split.chunkNanos()),
                s(split.embedNanos()), share(split.embedNanos(), split), rate(split.chunks(), split.embedNanos()),
                s(split.storeNanos()), share(split.storeNanos(), split), rate(split.chunks(), split.storeNanos()),
                split.documents(), split.chunks(), total, split.chunksPerSecond());
        System.out.println();
        System.out.print(report);
        if (split.chunks() != indexed) {
            System.out.printf(Locale.ROOT, "note: the stage split cut %d chunks, the job indexed %d%n",
                    split.chunks(), indexed);
        }
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode doc = mapper.createObjectNode();
            doc.put("tool", "kb-ingest");
            doc.set("machine", Reports.machine());
            doc.put("documents", written.size());
            doc.put("words_per_document", words);
            doc.put("corpus_bytes", bytes);
            ObjectNode e2e = doc.putObject("end_to_end");
            e2e.put("documents_scanned", job.statistics().numberOfDocumentsScanned());
            e2e.put("documents_indexed", job.statistics().numberOfNewDocumentsIndexed());
            e2e.put("documents_failed", job.statistics().numberOfDocumentsFailed());
            e2e.put("chunks", indexed);
            e2e.put("wall_seconds", wallSeconds);
            e2e.put("chunks_per_second", e2eChunksPerSecond);
            ObjectNode st = doc.putObject("stages");
            st.put("chunks", split.chunks());
            st.put("read_seconds", split.readNanos() / 1e9);
            st.put("extract_seconds", split.extractNanos() / 1e9);
            st.put("chunk_seconds", split.chunkNanos() / 1e9);
            st.put("embed_seconds", split.embedNanos() / 1e9);
            st.put("store_seconds", split.storeNanos() / 1e9);
            st.put("total_seconds", total);
            st.put("chunks_per_second", split.chunksPerSecond());
            Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
            System.out.println("wrote " + json);
        }
        return job.statistics().numberOfDocumentsFailed() == 0 ? 0 : 1;
    }

    private static double s(long nanos) {
        return nanos / 1e9;
    }

    private static double share(long nanos, StageSplit.Result r) {
        return 100.0 * nanos / r.totalNanos();
    }

    private static String rate(int chunks, long nanos) {
        return nanos == 0 ? "–" : String.format(Locale.ROOT, "%.0f", chunks / (nanos / 1e9));
    }
}
