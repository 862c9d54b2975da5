package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector_store: section of models.yaml: the embedded store by default, its folder, the PostgreSQL store's
 * connection, mistakes named by key.
 */
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
        assertTrue(kind.getMessage().contains("vector_store: 'kind' must be one of [embedded, postgres]"),
                kind.getMessage());
        CatalogException key = assertThrows(CatalogException.class, () -> parse("vector_store: {folder: x}\n"));
        assertTrue(key.getMessage().contains("vector_store") && key.getMessage().contains("folder"),
                key.getMessage());
        CatalogException dir = assertThrows(CatalogException.class, () -> parse("vector_store: {dir: ''}\n"));
        assertTrue(dir.getMessage().contains("'dir' must be a non-empty string"), dir.getMessage());
    }

    private static VectorStoreSettings section(String yaml, Map<String, String> environment) throws Exception {
        return VectorStoreSectionParser.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), BASE,
                BASE.resolve(".local-bedrock"), "models.yaml: vector_store", environment::get);
    }

    @Test
    void thePostgresStoreTakesAJdbcUrlAndAPasswordOrTheVariableHoldingIt() throws Exception {
        VectorStoreSettings pg = section("{kind: postgres, url: 'jdbc:postgresql://db:5432/kb', user: lb, "
                + "password: s3cret}", Map.of());
        assertTrue(pg.postgres());
        assertEquals("jdbc:postgresql://db:5432/kb", pg.url());
        assertEquals("lb", pg.user());
        assertEquals("s3cret", pg.password());
        assertTrue(!pg.toString().contains("s3cret"), "the password never reaches a log line");
        assertEquals("from-env", section("{kind: postgres, url: 'jdbc:postgresql://db/kb', password_env: KB_PW}",
                Map.of("KB_PW", "from-env")).password());
    }

    @Test
    void postgresMistakesAreNamed() {
        String noUrl = assertThrows(CatalogException.class, () -> section("{kind: postgres}", Map.of())).getMessage();
        assertTrue(noUrl.contains("kind postgres needs 'url'"), noUrl);
        String badUrl = assertThrows(CatalogException.class,
                () -> section("{kind: postgres, url: 'postgres://db/kb'}", Map.of())).getMessage();
        assertTrue(badUrl.contains("jdbc:postgresql://") && badUrl.contains("postgres://db/kb"), badUrl);
        String unset = assertThrows(CatalogException.class, () -> section(
                "{kind: postgres, url: 'jdbc:postgresql://db/kb', password_env: KB_PW}", Map.of())).getMessage();
        assertTrue(unset.contains("KB_PW") && unset.contains("not set"), unset);
        String both = assertThrows(CatalogException.class, () -> section(
                "{kind: postgres, url: 'jdbc:postgresql://db/kb', password: a, password_env: B}", Map.of()))
                .getMessage();
        assertTrue(both.contains("not both"), both);
        String embedded = assertThrows(CatalogException.class,
                () -> section("{kind: embedded, url: 'jdbc:postgresql://db/kb'}", Map.of())).getMessage();
        assertTrue(embedded.contains("'url' applies to kind: postgres only"), embedded);
    }
}
