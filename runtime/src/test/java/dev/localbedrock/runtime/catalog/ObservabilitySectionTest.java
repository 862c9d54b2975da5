package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit: and events: sections of models.yaml: defaults, values, and mistakes named by key. */
class ObservabilitySectionTest {
    private static final Path BASE = Path.of("/srv/lb").toAbsolutePath();
    private static final String MODELS = "models:\n  - {id: meta.llama2-13b-chat-v1, family: meta-llama2, "
            + "source: 'generated:smoke-llama'}\n";

    private static Catalog parse(String yaml) throws Exception {
        return CatalogLoader.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml + MODELS), BASE, "models.yaml");
    }

    @Test
    void defaultsLieUnderTheCacheFolder() throws Exception {
        Catalog c = parse("");
        assertTrue(c.audit().enabled());
        assertEquals(BASE.resolve(".local-bedrock/audit"), c.audit().dir());
        assertEquals(64L << 20, c.audit().maxFileBytes());
        assertEquals(0, c.audit().maxFiles());
        assertEquals(BASE.resolve(".local-bedrock/events/events.jsonl"), c.events().file());
        assertEquals(List.of(), c.events().webhooks());
    }

    @Test
    void valuesAreRead() throws Exception {
        Catalog c = parse("""
                audit: {dir: logs/audit, max_file_bytes: 4096, max_files: 7, queue_capacity: 10}
                events:
                  file: null
                  max_attempts: 4
                  initial_backoff_seconds: 0.25
                  webhooks:
                    - {url: 'https://hooks.example.com/bedrock', secret: abc}
                """);
        assertEquals(BASE.resolve("logs/audit"), c.audit().dir());
        assertEquals(4096, c.audit().maxFileBytes());
        assertEquals(7, c.audit().maxFiles());
        assertEquals(10, c.audit().queueCapacity());
        assertNull(c.events().file(), "file: null turns the file off");
        assertEquals(4, c.events().maxAttempts());
        assertEquals(Duration.ofMillis(250), c.events().initialBackoff());
        assertEquals(List.of(new EventSettings.Webhook(URI.create("https://hooks.example.com/bedrock"), "abc")),
                c.events().webhooks());
        assertFalse(c.events().webhooks().toString().contains("abc"), "the secret is never printed");
        assertFalse(parse("audit: {enabled: false}\n").audit().enabled());
    }

    @Test
    void mistakesNameTheKey() {
        assertMessage("audit: {max_file_byte: 10}\n", "unknown key 'max_file_byte'");
        assertMessage("audit: {max_file_bytes: 10}\n", "'max_file_bytes' must be an integer from 1024");
        assertMessage("audit: {enabled: maybe}\n", "'enabled' must be true or false");
        assertMessage("events: {webhooks: [{url: 'ftp://x/y', secret: s}]}\n", "webhooks[0]: 'url' must be");
        assertMessage("events: {webhooks: [{url: 'http://x/y'}]}\n", "webhooks[0]: 'secret' is required");
        assertMessage("events: {webhooks: {url: 'http://x/y'}}\n", "'webhooks' must be a list");
    }

    private static void assertMessage(String yaml, String part) {
        CatalogException e = assertThrows(CatalogException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
