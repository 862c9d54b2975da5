package dev.localbedrock.knowledge.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.localbedrock.knowledge.vector.Filter.Attribute;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link VectorStore} must do, run against each store: ranking and scores per metric on the scale
 * {@link Metric} documents, recall, persistence across close and reopen, spec checks, upserts, deletes, refused
 * input, pre-filters and concurrent searches beside a writer.
 */
abstract class VectorStoreContractTest {

    /** The knowledge base's default field mapping names: dashes and upper case must work as Lucene field names. */
    static final FieldNames FIELDS = new FieldNames(
            "bedrock-knowledge-base-default-vector", "AMAZON_BEDROCK_TEXT_CHUNK", "AMAZON_BEDROCK_METADATA");

    /** The store under test; each call may return the same factory. */
    abstract VectorStoreFactory stores();

    /** Whether the store holds anything of the index, looked at past the factory (files, tables). */
    abstract boolean storedAnywhere(String indexName) throws Exception;

    static IndexSpec spec(String name, int dims, Metric metric) {
        return new IndexSpec(name, dims, metric, FIELDS);
    }

    // ---- ordering and scores

    @ParameterizedTest
    @EnumSource(Metric.class)
    void returnsTheTrueNearestFirstWithMetricScoresForEachMetric(Metric metric) throws IOException {
        Random random = new Random(42 + metric.ordinal());
        int n = 400;
        int dims = 24;
        List<ChunkRecord> chunks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Norms vary, so dot product and cosine rank differently and the dot product is not a unit one.
            chunks.add(chunk("c" + i, "ds1", "s3://b/doc" + i, gaussian(random, dims, 0.5 + 2 * random.nextDouble())));
        }
        try (VectorStore store = stores().open(spec("kb-" + metric, dims, metric))) {
            store.upsert(chunks);
            for (int q = 0; q < 10; q++) {
                float[] query = gaussian(random, dims, 1);
                List<Hit> hits = store.search(query, 10, null);
                List<ChunkRecord> expected = bruteForce(chunks, query, metric, 10, c -> true);
                assertEquals(ids(expected), hits.stream().map(Hit::chunkId).toList(), metric + " query " + q);
                for (int i = 0; i < hits.size(); i++) {
                    double want = metric.score(raw(metric, query, expected.get(i).vector()));
                    assertEquals(want, hits.get(i).score(), 1e-4 * Math.max(1, want), metric + " score of hit " + i);
                    if (i > 0) {
                        assertTrue(hits.get(i - 1).score() >= hits.get(i).score(), "nearest first");
                    }
                }
            }
        }
    }

    @Test
    void dotProductRanksByInnerProductNotCosine() throws IOException {
        // b points away from the query's direction less than a, but a is three times longer: by inner product a wins.
        float[] a = {3, 3, 0};
        float[] b = {1, 0.2f, 0};
        float[] query = {1, 0, 0};
        for (Metric metric : List.of(Metric.DOT_PRODUCT, Metric.COSINE)) {
            try (VectorStore store = stores().open(spec("dot-" + metric, 3, metric))) {
                store.upsert(List.of(chunk("a", "ds", "s3://b/a", a), chunk("b", "ds", "s3://b/b", b)));
                String first = store.search(query, 2, null).get(0).chunkId();
                assertEquals(metric == Metric.DOT_PRODUCT ? "a" : "b", first, metric.name());
            }
        }
    }

    @Test
    void recallAtTenOn384DimensionalEmbeddingLikeVectors() throws IOException {
        // Embeddings occupy a low-dimensional part of their space; isotropic Gaussian vectors do not, and in 384
        // dimensions all of them lie at nearly the same distance from any query, the known worst case of every graph
        // index (recall@10 is about 0.75 there). So points are random mixtures of 24 random directions plus noise:
        // random, seeded, and shaped like what a knowledge base stores. Building the graph costs up to about 1 ms of
        // CPU per 384-d vector on Java 17 (Lucene's SIMD code needs a newer JDK), so 2 000 keep this test to seconds.
        Random random = new Random(7);
        int n = 2000;
        int dims = 384;
        float[][] directions = new float[24][];
        for (int i = 0; i < directions.length; i++) {
            directions[i] = gaussian(random, dims, 1);
        }
        List<ChunkRecord> chunks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            chunks.add(chunk("c" + i, "ds1", "s3://b/doc" + (i % 100), embeddingLike(random, directions)));
        }
        int found = 0;
        int queries = 30;
        try (VectorStore store = stores().open(spec("recall", dims, Metric.COSINE))) {
            store.upsert(chunks);
            assertEquals(n, store.count());
            for (int q = 0; q < queries; q++) {
                float[] query = embeddingLike(random, directions);
                Set<String> truth = new HashSet<>(ids(bruteForce(chunks, query, Metric.COSINE, 10, c -> true)));
                for (Hit hit : store.search(query, 10, null)) {
                    found += truth.contains(hit.chunkId()) ? 1 : 0;
                }
            }
        }
        double recall = found / (10.0 * queries);
        assertTrue(recall >= 0.95, "recall@10 " + recall);
    }

    private static float[] embeddingLike(Random random, float[][] directions) {
        float[] v = gaussian(random, directions[0].length, 0.1);
        for (float[] direction : directions) {
            double weight = random.nextGaussian();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (weight * direction[i]);
            }
        }
        return v;
    }

    // ---- persistence and lifecycle

    @Test
    void survivesCloseAndReopenWithTextMetadataAndSource() throws IOException {
        IndexSpec spec = spec("persist", 4, Metric.EUCLIDEAN);
        try (VectorStore store = stores().open(spec)) {
            store.upsert(List.of(
                    new ChunkRecord("x", "ds1", "s3://b/x.txt", "the x chunk", Map.of("lang", "en", "year", "1987"),
                            new float[] {1, 0, 0, 0}),
                    chunk("y", "ds1", "s3://b/y.txt", new float[] {0, 1, 0, 0})));
            store.commit();
            store.upsert(List.of(chunk("z", "ds2", "s3://b/z.txt", new float[] {0, 0, 1, 0})));
            // not committed explicitly: close commits
        }
        try (VectorStore store = stores().open(spec)) {
            assertEquals(3, store.count());
            Hit x = store.search(new float[] {0.9f, 0.1f, 0, 0}, 1, null).get(0);
            assertEquals(new Hit("x", "ds1", "s3://b/x.txt", "the x chunk", Map.of("lang", "en", "year", "1987"),
                    x.score()), x);
            assertEquals(1 / (1 + 0.01f + 0.01f), x.score(), 1e-6);
            assertEquals("z", store.search(new float[] {0, 0, 1, 0}, 1, null).get(0).chunkId());
        }
    }

    @Test
    void anEmptyIndexRemembersItsSpecAndSearchesToNothing() throws IOException {
        try (VectorStore store = stores().open(spec("empty", 8, Metric.COSINE))) {
            assertEquals(List.of(), store.search(gaussian(new Random(1), 8, 1), 5, null));
        }
        assertThrows(IndexSpecMismatchException.class, () -> stores().open(spec("empty", 9, Metric.COSINE)));
    }

    @Test
    void reopeningWithAnotherSpecFailsNamingWhatDiffers() throws IOException {
        IndexSpec created = spec("kb1", 8, Metric.COSINE);
        try (VectorStore store = stores().open(created)) {
            store.upsert(List.of(chunk("a", "ds", "s3://b/a", gaussian(new Random(1), 8, 1))));
        }
        IndexSpecMismatchException dims = assertThrows(IndexSpecMismatchException.class,
                () -> stores().open(spec("kb1", 16, Metric.COSINE)));
        assertTrue(dims.getMessage().contains("dimensions is 8, not 16"), dims.getMessage());
        IndexSpecMismatchException metric = assertThrows(IndexSpecMismatchException.class,
                () -> stores().open(spec("kb1", 8, Metric.DOT_PRODUCT)));
        assertTrue(metric.getMessage().contains("metric is COSINE, not DOT_PRODUCT"), metric.getMessage());
        IndexSpecMismatchException fields = assertThrows(IndexSpecMismatchException.class, () -> stores().open(
                new IndexSpec("kb1", 8, Metric.COSINE, new FieldNames("embedding", "text", "metadata"))));
        assertTrue(fields.getMessage().contains("vectorField is bedrock-knowledge-base-default-vector, not embedding"),
                fields.getMessage());
        try (VectorStore store = stores().open(created)) { // the failed opens left it intact and unlocked
            assertEquals(1, store.count());
        }
    }

    @Test
    void aSecondOpenOfAnOpenIndexIsRefused() throws IOException {
        IndexSpec spec = spec("once", 4, Metric.COSINE);
        try (VectorStore store = stores().open(spec)) {
            IOException e = assertThrows(IOException.class, () -> stores().open(spec));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            IOException drop = assertThrows(IOException.class, () -> stores().drop("once"));
            assertTrue(drop.getMessage().contains("is open"), drop.getMessage());
        }
    }

    @Test
    void dropDeletesTheIndex() throws Exception {
        IndexSpec spec = spec("gone", 4, Metric.COSINE);
        VectorStore store = stores().open(spec);
        store.upsert(List.of(chunk("a", "ds", "s3://b/a", new float[] {1, 2, 3, 4})));
        store.commit();
        assertTrue(storedAnywhere("gone"));
        store.drop();
        assertFalse(storedAnywhere("gone"));
        assertThrows(IllegalStateException.class, () -> store.search(new float[] {1, 2, 3, 4}, 1, null));
        try (VectorStore again = stores().open(spec("gone", 6, Metric.EUCLIDEAN))) { // a fresh index, any spec
            assertEquals(0, again.count());
        }
        assertTrue(storedAnywhere("gone"));
        stores().drop("gone");
        assertFalse(storedAnywhere("gone"));
        stores().drop("never-existed");
    }

    // ---- writes

    @Test
    void upsertReplacesByChunkIdIncludingWithinOneBatch() throws IOException {
        try (VectorStore store = stores().open(spec("replace", 3, Metric.COSINE))) {
            store.upsert(List.of(
                    new ChunkRecord("a", "ds", "s3://b/a", "old text", Map.of(), new float[] {1, 0, 0}),
                    chunk("b", "ds", "s3://b/b", new float[] {0, 1, 0})));
            store.upsert(List.of(new ChunkRecord("a", "ds", "s3://b/a", "new text", Map.of("v", "2"),
                    new float[] {0, 0, 1})));
            assertEquals(2, store.count());
            Hit nearOld = store.search(new float[] {1, 0, 0}, 2, null).stream()
                    .filter(h -> h.chunkId().equals("a")).findFirst().orElseThrow();
            assertEquals("new text", nearOld.text());
            assertEquals(Map.of("v", "2"), nearOld.metadata());
            assertEquals("a", store.search(new float[] {0, 0, 1}, 1, null).get(0).chunkId());

            store.upsert(List.of(
                    new ChunkRecord("c", "ds", "s3://b/c", "first", Map.of(), new float[] {1, 1, 0}),
                    new ChunkRecord("c", "ds", "s3://b/c", "second", Map.of(), new float[] {1, 1, 0})));
            assertEquals(3, store.count());
            assertEquals("second", store.search(new float[] {1, 1, 0}, 1, null).get(0).text());
        }
    }

    @Test
    void deletesBySourceAndByDataSource() throws IOException {
        try (VectorStore store = stores().open(spec("deletes", 4, Metric.COSINE))) {
            Random random = new Random(5);
            List<ChunkRecord> chunks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                chunks.add(chunk("c" + i, i < 8 ? "ds1" : "ds2", "s3://b/doc" + (i % 4), gaussian(random, 4, 1)));
            }
            store.upsert(chunks);
            // doc0 in ds1 has c0 and c4; the same URI under ds2 (c8) is another data source's document
            assertEquals(2, store.deleteBySource("ds1", "s3://b/doc0"));
            assertEquals(10, store.count());
            assertEquals(0, store.deleteBySource("ds1", "s3://b/doc0"));
            List<Hit> left = store.search(chunks.get(0).vector(), 12, null);
            assertEquals(10, left.size());
            assertTrue(left.stream().noneMatch(h -> h.chunkId().equals("c0") || h.chunkId().equals("c4")));
            assertTrue(left.stream().anyMatch(h -> h.chunkId().equals("c8")));

            assertEquals(6, store.deleteByDataSource("ds1"));
            assertEquals(4, store.count());
            assertTrue(store.search(chunks.get(1).vector(), 12, null).stream()
                    .allMatch(h -> h.dataSourceId().equals("ds2")));
        }
    }

    @Test
    void refusesBadVectorsWritingNothingOfTheBatch() throws IOException {
        try (VectorStore store = stores().open(spec("refuse", 4, Metric.COSINE))) {
            ChunkRecord good = chunk("good", "ds", "s3://b/g", new float[] {1, 2, 3, 4});
            IllegalArgumentException dims = assertThrows(IllegalArgumentException.class, () -> store.upsert(
                    List.of(good, chunk("short", "ds", "s3://b/s", new float[] {1, 2, 3}))));
            assertTrue(dims.getMessage().contains("chunks[1] (chunkId short) vector has 3 dimensions; vector index"
                    + " 'refuse' has 4"), dims.getMessage());
            assertEquals(0, store.count());
            assertThrows(IllegalArgumentException.class,
                    () -> store.upsert(List.of(chunk("nan", "ds", "s3://b/n", new float[] {1, Float.NaN, 3, 4}))));
            assertThrows(IllegalArgumentException.class,
                    () -> store.upsert(List.of(chunk("zero", "ds", "s3://b/z", new float[4]))));
            IllegalArgumentException query = assertThrows(IllegalArgumentException.class,
                    () -> store.search(new float[5], 3, null));
            assertTrue(query.getMessage().contains("query has 5 dimensions"), query.getMessage());
            assertThrows(IllegalArgumentException.class, () -> store.search(new float[] {1, 2, 3, 4}, 0, null));
            assertEquals(0, store.count());
        }
    }

    // ---- filters

    @Test
    void filtersArePreFiltersMatchingTheirPredicates() throws IOException {
        Random random = new Random(11);
        List<ChunkRecord> chunks = new ArrayList<>();
        String[] genres = {"news", "fiction", "manual"};
        for (int i = 0; i < 90; i++) {
            Map<String, String> metadata = i % 10 == 0 ? Map.of() : Map.of("genre", genres[i % 3], "n", "" + i % 7);
            String folder = i % 2 == 0 ? "s3://b/docs/" : "s3://b/archive/";
            chunks.add(new ChunkRecord("c" + i, "ds" + i % 3, folder + "f" + i, "text " + i, metadata,
                    gaussian(random, 8, 1)));
        }
        Attribute genre = Attribute.metadata("genre");
        Map<Filter, Predicate<ChunkRecord>> cases = Map.of(
                Filter.equalsTo(genre, "news"), c -> "news".equals(c.metadata().get("genre")),
                Filter.notEquals(genre, "news"), c -> !"news".equals(c.metadata().get("genre")),
                Filter.in(Attribute.metadata("n"), List.of("1", "3")),
                c -> Set.of("1", "3").contains(c.metadata().getOrDefault("n", "")),
                Filter.in(genre, List.of()), c -> false,
                Filter.startsWith(Attribute.sourceUri(), "s3://b/docs/"), c -> c.sourceUri().startsWith("s3://b/docs/"),
                Filter.startsWith(genre, "fic"), c -> "fiction".equals(c.metadata().get("genre")),
                Filter.andAll(Filter.equalsTo(Attribute.dataSourceId(), "ds1"), Filter.notEquals(genre, "manual")),
                c -> c.dataSourceId().equals("ds1") && !"manual".equals(c.metadata().get("genre")),
                Filter.orAll(Filter.equalsTo(genre, "manual"),
                        Filter.andAll(Filter.startsWith(Attribute.sourceUri(), "s3://b/archive/"),
                                Filter.equalsTo(Attribute.metadata("n"), "2"))),
                c -> "manual".equals(c.metadata().get("genre"))
                        || c.sourceUri().startsWith("s3://b/archive/") && "2".equals(c.metadata().get("n")));
        try (VectorStore store = stores().open(spec("filters", 8, Metric.COSINE))) {
            store.upsert(chunks);
            float[] query = gaussian(random, 8, 1);
            for (Map.Entry<Filter, Predicate<ChunkRecord>> each : cases.entrySet()) {
                // k larger than the set: every passing chunk, nearest first, and nothing else
                List<String> expected = ids(bruteForce(chunks, query, Metric.COSINE, 90, each.getValue()));
                List<String> got = store.search(query, 90, each.getKey()).stream().map(Hit::chunkId).toList();
                assertEquals(expected, got, each.getKey().toString());
                // the filter applies before the nearest k are taken: five hits even if the five nearest fail it
                List<String> top5 = store.search(query, 5, each.getKey()).stream().map(Hit::chunkId).toList();
                assertEquals(expected.subList(0, Math.min(5, expected.size())), top5, each.getKey() + " k=5");
            }
        }
    }

    // ---- concurrency

    @Test
    void searchesRunConcurrentlyWithAWriter() throws Exception {
        Random random = new Random(13);
        List<ChunkRecord> anchors = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            anchors.add(chunk("anchor" + i, "ds", "s3://b/a" + i, gaussian(random, 16, 1)));
        }
        List<List<ChunkRecord>> batches = new ArrayList<>();
        for (int b = 0; b < 10; b++) {
            List<ChunkRecord> batch = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                batch.add(chunk("w" + b + "-" + i, "ds2", "s3://b/w" + b, gaussian(random, 16, 1)));
            }
            batches.add(batch);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (VectorStore store = stores().open(spec("concurrent", 16, Metric.COSINE))) {
            store.upsert(anchors);
            Future<?> writer = pool.submit(() -> {
                for (List<ChunkRecord> batch : batches) {
                    store.upsert(batch);
                    store.deleteBySource("ds2", batch.get(0).sourceUri().replace("w", "nothing-"));
                }
                return null;
            });
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int offset = t;
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        ChunkRecord anchor = anchors.get((i + offset) % anchors.size());
                        List<Hit> hits = store.search(anchor.vector(), 5, null);
                        assertEquals(anchor.chunkId(), hits.get(0).chunkId()); // itself, whatever else arrives
                        assertEquals(5, hits.size());
                    }
                    return null;
                }));
            }
            writer.get(60, TimeUnit.SECONDS);
            for (Future<?> reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
            assertEquals(50 + 10 * 25, store.count());
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- reference

    static ChunkRecord chunk(String id, String dataSourceId, String uri, float[] vector) {
        return new ChunkRecord(id, dataSourceId, uri, "text of " + id, Map.of(), vector);
    }

    static float[] gaussian(Random random, int dims, double scale) {
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    /** Cosine, squared L2 distance or inner product, in double precision. */
    static double raw(Metric metric, float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        double d2 = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            d2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        return switch (metric) {
            case COSINE -> dot / Math.sqrt(na * nb);
            case EUCLIDEAN -> d2;
            case DOT_PRODUCT -> dot;
        };
    }

    /** The exact top k by the metric among the chunks passing the predicate, nearest first. */
    static List<ChunkRecord> bruteForce(List<ChunkRecord> chunks, float[] query, Metric metric, int k,
                                        Predicate<ChunkRecord> passes) {
        // A smaller distance is nearer, a larger similarity is: sort on distance or on negated similarity.
        double sign = metric == Metric.EUCLIDEAN ? 1 : -1;
        Map<ChunkRecord, Double> key = new IdentityHashMap<>();
        chunks.stream().filter(passes).forEach(c -> key.put(c, sign * raw(metric, query, c.vector())));
        return key.keySet().stream().sorted(Comparator.comparingDouble(key::get)).limit(k).toList();
    }

    static List<String> ids(List<ChunkRecord> chunks) {
        return chunks.stream().map(ChunkRecord::chunkId).toList();
    }
}
