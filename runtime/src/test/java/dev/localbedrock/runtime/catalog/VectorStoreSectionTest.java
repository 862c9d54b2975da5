package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vector_store: section of models.yaml: the embedded store by default, its folder, mistakes named by key. */
class VectorStoreSectionTest {
    private static final Path BASE = Path.of("/srv/lb").toAbsolutePath();
    private static final String MODELS = "models:\n  - {id: meta.llama2-13b-chat-v1, family: meta-llama2, "
            + "source: 'generated:smoke-llama'}\n";

    private static Catalog parse(String yaml) throws Exception {
        return CatalogLoader.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml + MODELS), BASE, "models.yaml");
    }

    @Test
    void theEmbeddedStoreUnderTheCacheFolderByDefault() throws Exception {
        VectorStoreSettings v = parse("").vectorStore();
        assertEquals("embedded", v.kind());
        assertEquals(BASE.resolve(".local-bedrock/vector-store"), v.dir());
        assertEquals(BASE.resolve("cache/vector-store"), parse("cache_dir: cache\n").vectorStore().dir());
        assertEquals(BASE.resolve(".local-bedrock/vector-store"), parse("vector_store: {kind: embedded}\n")
                .vectorStore().dir());
    }

    @Test
    void aFolderIsRelativeToTheFile() throws Exception {
        assertEquals(BASE.resolve("data/vectors"), parse("vector_store: {dir: data/vectors}\n").vectorStore().dir());
        assertEquals(Path.of("/var/lib/vectors"), parse("vector_store: {dir: /var/lib/vectors}\n").vectorStore()
                .dir());
    }

    @Test
    void mistakesAreNamed() {
        CatalogException kind = assertThrows(CatalogException.class, () -> parse("vector_store: {kind: pinecone}\n"));
        assertTrue(kind.getMessage().contains("vector_store: 'kind' must be one of [embedded]"), kind.getMessage());
        CatalogException key = assertThrows(CatalogException.class, () -> parse("vector_store: {folder: x}\n"));
        assertTrue(key.getMessage().contains("vector_store") && key.getMessage().contains("folder"),
                key.getMessage());
        CatalogException dir = assertThrows(CatalogException.class, () -> parse("vector_store: {dir: ''}\n"));
        assertTrue(dir.getMessage().contains("'dir' must be a non-empty string"), dir.getMessage());
    }
}
