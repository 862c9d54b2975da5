package dev.localbedrock.runtime.state;

import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.CatalogException;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** models.yaml {@code state:}: the default file under the cache folder, an explicit URL, and bad values. */
class StateConfigurationTest {
    private static final String MODELS = "models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n";
    @TempDir
    Path dir;

    private Catalog load(String yaml) throws IOException {
        Files.createDirectories(dir.resolve("m"));
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return CatalogLoader.load(file);
    }

    @Test
    void defaultsToAFileUnderTheCacheFolder() throws IOException {
        String expected = "jdbc:sqlite:" + dir.toAbsolutePath().resolve(".local-bedrock/state/control-plane.db");
        assertEquals(expected, load(MODELS).state().url());
        assertEquals(expected, load("state: {}\n" + MODELS).state().url());
        assertEquals("jdbc:sqlite:" + dir.toAbsolutePath().resolve("cache/state/control-plane.db"),
                load("cache_dir: cache\n" + MODELS).state().url());
    }

    @Test
    void takesAnExplicitUrl() throws IOException {
        assertEquals("jdbc:sqlite:/var/lib/bedrock/state.db",
                load("state:\n  url: jdbc:sqlite:/var/lib/bedrock/state.db\n" + MODELS).state().url());
    }

    @Test
    void theDefaultOpensAndMigrates() throws IOException {
        try (StateStore store = StateStore.open(load(MODELS).state().url())) {
            assertTrue(store.provisionedModels().list().isEmpty());
        }
        assertTrue(Files.exists(dir.resolve(".local-bedrock/state/control-plane.db")));
    }

    @Test
    void refusesBadValues() {
        assertMessage("state: jdbc:sqlite:x\n" + MODELS, "state: expected a mapping");
        assertMessage("state:\n  url: /tmp/x.db\n" + MODELS, "'url' must be a JDBC URL");
        assertMessage("state:\n  url: 5\n" + MODELS, "'url' must be a JDBC URL");
        assertMessage("state:\n  uri: jdbc:sqlite:x\n" + MODELS, "uri");
    }

    private void assertMessage(String yaml, String fragment) {
        CatalogException e = assertThrows(CatalogException.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
