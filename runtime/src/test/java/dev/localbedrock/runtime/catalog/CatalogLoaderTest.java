package dev.localbedrock.runtime.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogLoaderTest {
    @TempDir
    Path dir;

    private Catalog load(String yaml) throws IOException {
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return CatalogLoader.load(file);
    }

    @Test
    void theRepositoryDefaultCatalogueParses() {
        Catalog catalog = CatalogLoader.load(Path.of("..", "models.yaml"));
        assertTrue(catalog.models().size() >= 1);
        ModelEntry first = catalog.models().get(0);
        assertEquals("meta.llama2-13b-chat-v1", first.id());
        assertInstanceOf(ModelEntry.Generated.class, first.source());
        assertTrue(first.name().contains("not a language model"));
    }

    @Test
    void relativeSourcesResolveAgainstTheYamlFolderAndDefaultsApply() throws IOException {
        Files.createDirectories(dir.resolve("weights/llama"));
        Catalog c = load("models:\n  - id: meta.llama2-13b-chat-v1\n    source: weights/llama\n");
        ModelEntry e = c.models().get(0);
        assertEquals(new ModelEntry.Directory(dir.resolve("weights/llama").normalize()), e.source());
        assertEquals("pytorch", e.engine());
        assertEquals("cpu", e.device());
        assertEquals("meta-llama2", e.family());
        assertEquals(8080, c.server().port());
    }

    @Test
    void mistakesNameTheEntryAndTheKey() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n    engine: tensorflow\n", "engine");
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n    device: tpu\n", "device");
        assertMessage("models:\n  - id: a.b-v1\n    source: missing\n", "does not exist");
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n    colour: red\n", "colour");
        assertMessage("models:\n  - source: m\n", "'id' is required");
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n  - id: a.b-v1\n    source: m\n", "twice");
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n    max_queue: -1\n", "max_queue");
        assertMessage("models: []\n", "non-empty");
    }

    private void assertMessage(String yaml, String fragment) {
        CatalogException e = assertThrows(CatalogException.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
