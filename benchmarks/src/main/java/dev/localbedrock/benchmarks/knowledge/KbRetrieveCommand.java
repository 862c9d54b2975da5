package dev.localbedrock.benchmarks.knowledge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.benchmarks.load.Percentiles;
import dev.localbedrock.benchmarks.load.Reports;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.knowledge.vector.ChunkRecord;
import dev.localbedrock.knowledge.vector.IndexSpec;
import dev.localbedrock.knowledge.vector.LuceneVectorStore;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.RetrieveResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code BenchTool kb-retrieve}: Retrieve latency on a knowledge base whose embedded index holds many chunks. The
 * knowledge base is created through the server; its index is then filled with the server stopped (embedding
 * 100 000 chunks with MiniLM would take hours on a small machine): real embeddings of generated sentences, and
 * {@link SyntheticVectors} mixes of them for the rest. Retrieve needs nothing but the index (no chunk rows in the
 * state), so the restarted server answers from it as from an ingested one. Then, sequentially: the query embedding
 * alone (the served model's worker), the search alone ({@code LuceneVectorStore.search}), and Retrieve through the
 * unchanged bedrock-agent-runtime client over HTTP (embedding + search + wire), each on distinct query texts.
 */
@Command(name = "kb-retrieve", mixinStandardHelpOptions = true,
        description = "Retrieve latency p50/p99 at k results on an embedded Lucene index of many chunks, through the"
                + " in-process server and the unchanged agent-runtime client, with the query embedding and the"
                + " search alone beside it (benchmarks/README.md).")
public final class KbRetrieveCommand implements Callable<Integer> {
    @Option(names = "--chunks", defaultValue = "100000", description = "chunks in the index (default ${DEFAULT-VALUE})")
    int chunks;
    @Option(names = "--embedded-chunks", defaultValue = "3000", description = "of them, real embeddings of distinct"
            + " generated sentences; the rest are mixes of these (default ${DEFAULT-VALUE})")
    int embeddedChunks;
    @Option(names = "--jitter", defaultValue = "0.15", description = "norm of each mix's Gaussian jitter before it is"
            + " made unit length again (default ${DEFAULT-VALUE})")
    double jitter;
    @Option(names = "--k", defaultValue = "5", description = "numberOfResults (default ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--warmup", defaultValue = "200", description = "unmeasured queries of each kind first (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--queries", defaultValue = "2000", description = "measured sequential queries of each kind (default ${DEFAULT-VALUE})")
    int queries;
    @Option(names = "--seed", defaultValue = "22", description = "text and vector seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--work-dir", description = "models.yaml, the state and the index (default: a new temporary folder)")
    Path workDir;
    @Option(names = "--json", description = "write the results as JSON here")
    Path json;

    private static final int UPSERT_BATCH = 1000;

    @Override
    public Integer call() throws Exception {
        if (embeddedChunks < 2 || embeddedChunks > chunks) {
            System.err.println("--embedded-chunks must be between 2 and --chunks");
            return 2;
        }
        Path dir = workDir != null ? workDir : Files.createTempDirectory("kb-retrieve");
        List<String> sentences = distinct(new CorpusText(seed), embeddedChunks, Set.of());
        // queries: other sentences, none of them a stored chunk's text, none repeated
        List<String> queryTexts = distinct(new CorpusText(seed + 1), warmup + queries, Set.copyOf(sentences));

        String kbId;
        int dimensions;
        List<float[]> base;
        double embedBaseSeconds;
        Percentiles embedOnly;
        List<float[]> queryVectors = new ArrayList<>();
        try (KbServer server = KbServer.start(dir); BedrockAgentClient agent = server.agentClient()) {
            EmbeddingWorker worker = server.embeddingWorker();
            dimensions = worker.dimensions();
            kbId = KbServer.createKnowledgeBase(agent, "kb-retrieve");
            System.err.printf(Locale.ROOT, "knowledge base %s; embedding %d sentences%n", kbId, sentences.size());
            long t0 = System.nanoTime();
            base = new ArrayList<>(sentences.size());
            for (int from = 0; from < sentences.size(); from += StageSplit.BATCH) {
                base.addAll(worker.submit(new EmbeddingRequest(sentences.subList(from,
                        Math.min(sentences.size(), from + StageSplit.BATCH)), EmbeddingRequest.Truncation.NONE)).get()
                        .embeddings());
            }
            embedBaseSeconds = (System.nanoTime() - t0) / 1e9;
            // one query at a time, as Retrieve embeds it: the embedding's share of a Retrieve
            double[] ms = new double[queries];
            for (int i = 0; i < queryTexts.size(); i++) {
                long q0 = System.nanoTime();
                float[] v = worker.submit(new EmbeddingRequest(List.of(queryTexts.get(i)),
                        EmbeddingRequest.Truncation.END)).get().embeddings().get(0);
                long q1 = System.nanoTime();
                queryVectors.add(v);
                if (i >= warmup) {
                    ms[i - warmup] = (q1 - q0) / 1e6;
                }
            }
            embedOnly = Percentiles.of(ms);
        }

        IndexSpec spec = KbServer.defaultIndexSpec(kbId, dimensions);
        Path vectors = KbServer.vectorsDir(dir);
        System.err.printf(Locale.ROOT, "filling %s with %d chunks%n", vectors.resolve(spec.indexName()), chunks);
        long f0 = System.nanoTime();
        // the server made this index; opening it with any other spec than the server's would fail here
        try (LuceneVectorStore store = LuceneVectorStore.open(vectors, spec)) {
            fill(store, sentences, base);
        } // close waits for Lucene's merges, so the searches below and the server see the settled index
        double fillSeconds = (System.nanoTime() - f0) / 1e9;
        long segments;
        try (Stream<Path> files = Files.list(vectors.resolve(spec.indexName()))) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".si")).count();
        }
        System.err.printf(Locale.ROOT, "filled in %.1f s (%d segments)%n", fillSeconds, segments);

        Percentiles searchOnly;
        long count;
        try (LuceneVectorStore store = LuceneVectorStore.open(vectors, spec)) {
            count = store.count();
            double[] ms = new double[queries];
            for (int i = 0; i < queryVectors.size(); i++) {
                long s0 = System.nanoTime();
                int hits = store.search(queryVectors.get(i), k, null).size();
                long s1 = System.nanoTime();
                if (hits != k) {
                    throw new IllegalStateException("search returned " + hits + " hits, not " + k);
                }
                if (i >= warmup) {
                    ms[i - warmup] = (s1 - s0) / 1e6;
                }
            }
            searchOnly = Percentiles.of(ms);
        }

        Percentiles retrieve;
        double retrieveSeconds;
        try (KbServer server = KbServer.start(dir); BedrockAgentRuntimeClient runtime = server.agentRuntimeClient()) {
            double[] ms = new double[queries];
            long m0 = 0;
            for (int i = 0; i < queryTexts.size(); i++) {
                if (i == warmup) {
                    m0 = System.nanoTime();
                }
                String text = queryTexts.get(i);
                long r0 = System.nanoTime();
                RetrieveResponse r = runtime.retrieve(b -> b.knowledgeBaseId(kbId)
                        .retrievalQuery(q -> q.text(text))
                        .retrievalConfiguration(c -> c.vectorSearchConfiguration(v -> v.numberOfResults(k))));
                long r1 = System.nanoTime();
                if (r.retrievalResults().size() != k) {
                    throw new IllegalStateException("Retrieve returned " + r.retrievalResults().size() + " results");
                }
                if (i >= warmup) {
                    ms[i - warmup] = (r1 - r0) / 1e6;
                }
            }
            retrieveSeconds = (System.nanoTime() - m0) / 1e9;
            retrieve = Percentiles.of(ms);
        }

        String report = String.format(Locale.ROOT, """
                        index: %,d chunks (%,d real MiniLM embeddings, %,d mixes, jitter %.2f), %d dimensions, cosine, \
                        %d segments; embedding the %,d sentences took %.1f s, filling the index %.1f s

                        | k = %d, %,d sequential queries after %d warm-up | mean ms | p50 ms | p90 ms | p99 ms | max ms | queries/s |
                        |---|---:|---:|---:|---:|---:|---:|
                        %s
                        %s
                        %s
                        """, count, embeddedChunks, chunks - embeddedChunks, jitter, dimensions, segments,
                embeddedChunks, embedBaseSeconds, fillSeconds, k, queries, warmup,
                row("Retrieve (SDK over HTTP: embed + search + wire)", retrieve, queries / retrieveSeconds),
                row("query embedding alone (EmbeddingWorker, 1 text)", embedOnly, Double.NaN),
                row("search alone (LuceneVectorStore.search)", searchOnly, Double.NaN));
        System.out.println();
        System.out.print(report);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode doc = mapper.createObjectNode();
            doc.put("tool", "kb-retrieve");
            doc.set("machine", Reports.machine());
            doc.put("chunks", count);
            doc.put("embedded_chunks", embeddedChunks);
            doc.put("jitter", jitter);
            doc.put("segments", segments);
            doc.put("k", k);
            doc.put("warmup", warmup);
            doc.put("queries", queries);
            doc.put("embed_sentences_seconds", embedBaseSeconds);
            doc.put("fill_seconds", fillSeconds);
            doc.set("retrieve_ms", mapper.valueToTree(retrieve));
            doc.put("retrieve_queries_per_second", queries / retrieveSeconds);
            doc.set("query_embedding_ms", mapper.valueToTree(embedOnly));
            doc.set("search_ms", mapper.valueToTree(searchOnly));
            Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** The real sentences with their embeddings first, then mixes until there are {@link #chunks}. */
    private void fill(LuceneVectorStore store, List<String> sentences, List<float[]> base) throws IOException {
        SyntheticVectors mixes = new SyntheticVectors(base, jitter, seed);
        List<ChunkRecord> batch = new ArrayList<>(UPSERT_BATCH);
        for (int i = 0; i < chunks; i++) {
            String text;
            float[] vector;
            if (i < base.size()) {
                text = sentences.get(i);
                vector = base.get(i);
            } else {
                SyntheticVectors.Mix m = mixes.next();
                text = sentences.get(m.first()) + " " + sentences.get(m.second());
                vector = m.vector();
            }
            String key = String.format("doc-%05d.txt", i / 20); // 20 chunks a document
            batch.add(new ChunkRecord("chunk-" + i, "bench", "s3://corpus/" + key, text,
                    Map.of("part", Integer.toString(i % 20)), vector));
            if (batch.size() == UPSERT_BATCH) {
                store.upsert(batch);
                batch.clear();
            }
        }
        store.upsert(batch);
        store.commit();
    }

    private static List<String> distinct(CorpusText text, int n, Set<String> excluded) {
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            String s = text.sentence();
            if (!excluded.contains(s)) {
                out.add(s);
            }
        }
        return new ArrayList<>(out);
    }

    private static String row(String what, Percentiles p, double perSecond) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |", what, p.mean(), p.p50(),
                p.p90(), p.p99(), p.max(), Double.isNaN(perSecond) ? "–"
                        : String.format(Locale.ROOT, "%.0f", perSecond));
    }
}
