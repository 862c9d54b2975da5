package dev.localbedrock.knowledge.vector;

import static dev.localbedrock.knowledge.vector.VectorStoreContractTest.FIELDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the embedded store, and what only it does: files stock Lucene reads, Titan-sized vectors. */
class LuceneVectorStoreTest extends VectorStoreContractTest {

    @TempDir
    Path root;

    @Override
    LuceneVectorStoreFactory stores() {
        return new LuceneVectorStoreFactory(root);
    }

    @Override
    boolean storedAnywhere(String indexName) {
        return Files.exists(root.resolve(indexName));
    }

    @Test
    void indexesTitanSized1536DimensionVectorsAndReadsThemBack() throws IOException {
        Random random = new Random(3);
        List<ChunkRecord> chunks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            chunks.add(chunk("t" + i, "ds", "s3://b/t" + i, gaussian(random, 1536, 1)));
        }
        IndexSpec spec = spec("titan", 1536, Metric.COSINE);
        try (VectorStore store = stores().open(spec)) {
            store.upsert(chunks);
            store.commit();
        }
        // Only writing needs the wider limit: stock Lucene reads the files.
        try (FSDirectory directory = FSDirectory.open(root.resolve("titan"));
             DirectoryReader reader = DirectoryReader.open(directory)) {
            assertEquals(40, reader.numDocs());
            assertEquals(1536, reader.leaves().get(0).reader().getFloatVectorValues(FIELDS.vectorField()).dimension());
        }
        try (VectorStore store = stores().open(spec)) {
            Hit first = store.search(chunks.get(17).vector(), 3, null).get(0);
            assertEquals("t17", first.chunkId());
            assertEquals(1.0, first.score(), 1e-5);
        }
    }

    @Test
    void fieldNamesMustDifferAndAvoidTheStoresOwn() {
        assertThrows(IllegalArgumentException.class, () -> new FieldNames("v", "v", "m"));
        assertThrows(IllegalArgumentException.class, () -> new FieldNames("_lb_chunk_id", "t", "m"));
        assertThrows(IllegalArgumentException.class, () -> new IndexSpec("../up", 4, Metric.COSINE, FIELDS));
        assertThrows(IllegalArgumentException.class, () -> new IndexSpec("kb", 4097, Metric.COSINE, FIELDS));
    }
}
