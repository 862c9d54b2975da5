package dev.localbedrock.runtime.state;

import org.flywaydb.core.Flyway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link StateStoreTest} on a database a newer release has migrated (test resource {@code db/newer}: extra columns,
 * nullable and defaulted, on every table, a new table and index), as a rolling upgrade leaves the older replicas:
 * every repository of this release reads and writes it unchanged.
 */
class NewerSchemaStateStoreTest extends StateStoreTest {
    private String prepared;

    @Override
    java.util.List<String> expectedVersions() throws Exception {
        java.util.List<String> versions = new java.util.ArrayList<>(super.expectedVersions());
        versions.add("1000");
        return versions;
    }

    @Override
    String url() {
        if (prepared == null) {
            String url = super.url();
            try {
                Files.createDirectories(Path.of(url.substring("jdbc:sqlite:".length())).getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Flyway.configure(getClass().getClassLoader()).dataSource(url, null, null)
                    .locations("classpath:db/migration", "classpath:db/newer").load().migrate();
            prepared = url;
        }
        return prepared;
    }
}
