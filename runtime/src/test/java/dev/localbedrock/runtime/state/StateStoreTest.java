package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round-trips through each repository, uniqueness as a typed exception, and migrations on a second open. */
class StateStoreTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:15:30.123456789Z");
    @TempDir
    Path dir;

    /** The database each test opens: an SQLite file here; a subclass runs the same tests on another database. */
    String url() {
        return "jdbc:sqlite:" + dir.resolve("nested/state/control-plane.db");
    }

    static ProvisionedModel model(String arn, String name, String token) {
        return new ProvisionedModel(arn, name, "meta.llama2-13b-chat-v1", 1, "meta.llama2-13b-chat-v1", 1,
                ProvisionedModelStatus.CREATING, "OneMonth", T0.plusSeconds(86_400 * 30), null, T0, T0, token);
    }

    @Test
    void modelAccessRoundTrips() {
        try (StateStore store = StateStore.open(url())) {
            ModelAccessRepository repo = store.modelAccess();
            assertEquals(Optional.empty(), repo.find("a.b-v1"));
            repo.put(new ModelAccess("b.c-v1", true, T0));
            repo.put(new ModelAccess("a.b-v1", false, T0));
            repo.put(new ModelAccess("a.b-v1", true, T0.plusSeconds(5))); // an upsert, not a duplicate
            assertEquals(List.of(new ModelAccess("a.b-v1", true, T0.plusSeconds(5)),
                    new ModelAccess("b.c-v1", true, T0)), repo.list());
            // kept to the millisecond, the precision the APIs report
            assertEquals(Instant.parse("2024-05-01T10:15:35.123Z"), repo.find("a.b-v1").orElseThrow().updatedAt());
            assertTrue(repo.delete("a.b-v1"));
            assertFalse(repo.delete("a.b-v1"));
            assertEquals(List.of("b.c-v1"), repo.list().stream().map(ModelAccess::modelId).toList());
        }
    }

    @Test
    void provisionedModelRoundTrips() {
        try (StateStore store = StateStore.open(url())) {
            ProvisionedModelRepository repo = store.provisionedModels();
            ProvisionedModel first = model("arn:pm/1", "first", "token-1");
            ProvisionedModel second = new ProvisionedModel("arn:pm/2", "second", "amazon.titan-text-express-v1", 2,
                    "amazon.titan-text-express-v1", 2, ProvisionedModelStatus.IN_SERVICE, null, null, null,
                    T0.plusSeconds(1), T0.plusSeconds(1), null);
            repo.create(first);
            repo.create(second);
            assertEquals(Optional.of(first), repo.findByArn("arn:pm/1"));
            assertEquals(Optional.of(second), repo.findByName("second"));
            assertEquals(Optional.of(first), repo.findByClientRequestToken("token-1"));
            assertEquals(Optional.empty(), repo.findByArn("arn:pm/none"));
            assertEquals(List.of(first, second), repo.list());

            ProvisionedModel updating = new ProvisionedModel("arn:pm/1", "renamed", first.modelId(), 1,
                    "amazon.titan-text-express-v1", 4, ProvisionedModelStatus.FAILED, "SixMonths",
                    T0.plusSeconds(99), "no capacity", T0.plusSeconds(500), T0.plusSeconds(60), "other-token");
            assertTrue(repo.update(updating));
            ProvisionedModel stored = repo.findByArn("arn:pm/1").orElseThrow();
            assertEquals("renamed", stored.name());
            assertEquals(4, stored.desiredModelUnits());
            assertEquals(ProvisionedModelStatus.FAILED, stored.status());
            assertEquals("no capacity", stored.failureMessage());
            assertEquals(first.createdAt(), stored.createdAt()); // creation time and token are not updatable
            assertEquals("token-1", stored.clientRequestToken());
            assertFalse(repo.update(model("arn:pm/none", "x", null)));

            store.tags().tag("arn:pm/1", Map.of("team", "a"), 50);
            assertTrue(repo.delete("arn:pm/1"));
            assertFalse(repo.delete("arn:pm/1"));
            assertTrue(store.tags().list("arn:pm/1").isEmpty(), "a model's tags go with it");
            assertEquals(List.of(second), repo.list());
        }
    }

    @Test
    void uniquenessViolationsAreTypedAndWriteNothing() {
        try (StateStore store = StateStore.open(url())) {
            ProvisionedModelRepository repo = store.provisionedModels();
            repo.create(model("arn:pm/1", "first", "token-1"));
            repo.create(model("arn:pm/2", "second", null));
            repo.create(model("arn:pm/3", "third", null)); // several models without a token are fine
            assertThrows(DuplicateResourceException.class, () -> repo.create(model("arn:pm/1", "other", null)));
            assertThrows(DuplicateResourceException.class, () -> repo.create(model("arn:pm/9", "first", null)));
            assertThrows(DuplicateResourceException.class,
                    () -> repo.create(model("arn:pm/9", "other", "token-1")));
            assertThrows(DuplicateResourceException.class, () -> repo.update(model("arn:pm/2", "first", null)));
            assertEquals(List.of("first", "second", "third"),
                    repo.list().stream().map(ProvisionedModel::name).toList());
            assertEquals(Optional.empty(), repo.findByArn("arn:pm/9"));
            // the connection is still usable after a failed transaction
            repo.create(model("arn:pm/4", "fourth", "token-4"));
            assertEquals(4, repo.list().size());
        }
    }

    @Test
    void tagsRoundTripWithinTheirLimit() {
        try (StateStore store = StateStore.open(url())) {
            TagRepository tags = store.tags();
            tags.tag("arn:a", Map.of("b", "2", "a", "1"), 3);
            tags.tag("arn:a", Map.of("b", "two"), 3);
            tags.tag("arn:other", Map.of("a", "x"), 3);
            assertEquals(Map.of("a", "1", "b", "two"), tags.list("arn:a"));
            assertEquals(List.of("a", "b"), List.copyOf(tags.list("arn:a").keySet()));
            TagLimitExceededException e = assertThrows(TagLimitExceededException.class,
                    () -> tags.tag("arn:a", Map.of("c", "3", "d", "4"), 3));
            assertEquals(3, e.limit());
            assertEquals(Map.of("a", "1", "b", "two"), tags.list("arn:a"), "a refused call writes none of its tags");
            tags.tag("arn:a", Map.of("a", "one", "c", "3"), 3); // replacing a key does not count against the limit
            assertEquals(2, tags.untag("arn:a", List.of("a", "c", "absent")));
            assertEquals(Map.of("b", "two"), tags.list("arn:a"));
            assertEquals(1, tags.removeAll("arn:other"));
            assertTrue(tags.list("arn:other").isEmpty());
        }
    }

    @Test
    void reopeningKeepsTheDataAndAppliesNoMigrationTwice() throws Exception {
        try (StateStore store = StateStore.open(url())) {
            store.provisionedModels().create(model("arn:pm/1", "first", "token-1"));
            store.modelAccess().put(new ModelAccess("a.b-v1", true, T0));
        }
        try (StateStore store = StateStore.open(url())) {
            assertEquals("first", store.provisionedModels().findByArn("arn:pm/1").orElseThrow().name());
            assertTrue(store.modelAccess().find("a.b-v1").orElseThrow().granted());
        }
        try (Connection c = DriverManager.getConnection(url());
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT version, success FROM flyway_schema_history"
                     + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
            List<String> versions = new java.util.ArrayList<>();
            while (rows.next()) {
                assertTrue(rows.getBoolean("success"));
                versions.add(rows.getString("version"));
            }
            assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8"), versions,
                    "each migration is recorded once, in order");
        }
    }

    @Test
    void dataSourceNamesAreUniquePerKnowledgeBaseAndGoWithIt() {
        java.time.Instant t = java.time.Instant.ofEpochMilli(1_700_000_000_000L);
        try (StateStore store = StateStore.open(url())) {
            KnowledgeBaseRepository kbs = store.knowledgeBases();
            for (String id : List.of("KB00000001", "KB00000002")) {
                kbs.create(new StoredKnowledgeBase(id, "arn:kb/" + id, "name-" + id, "ACTIVE", "{}", List.of(), t, t,
                        null), Map.of("team", "a"));
            }
            kbs.createDataSource(new StoredDataSource("DS00000001", "KB00000001", "docs", "AVAILABLE", "{}", t, t,
                    null));
            assertThrows(DuplicateResourceException.class, () -> kbs.createDataSource(new StoredDataSource(
                    "DS00000002", "KB00000001", "docs", "AVAILABLE", "{}", t, t, null)));
            kbs.createDataSource(new StoredDataSource("DS00000003", "KB00000002", "docs", "AVAILABLE", "{}", t, t,
                    null));
            assertThrows(DuplicateResourceException.class, () -> kbs.create(new StoredKnowledgeBase("KB00000003",
                    "arn:kb/KB00000003", "name-KB00000001", "ACTIVE", "{}", List.of(), t, t, null), Map.of()));

            assertTrue(kbs.delete("KB00000001"));
            assertTrue(kbs.find("KB00000001").isEmpty());
            assertTrue(kbs.findDataSource("KB00000001", "DS00000001").isEmpty(), "its data sources went with it");
            assertTrue(store.tags().list("arn:kb/KB00000001").isEmpty(), "and its tags");
            assertEquals(List.of("DS00000003"), kbs.listDataSources("KB00000002").stream()
                    .map(StoredDataSource::id).toList());
            assertEquals(t, kbs.find("KB00000002").orElseThrow().createdAt());
        }
    }

    @Test
    void aDatabaseFromANewerReleaseIsRefused() throws Exception {
        StateStore.open(url()).close();
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (99, '99', 'future', 'SQL',"
                    + " 'V99__future.sql', 0, 'x', 0, TRUE)");
        }
        StateException e = assertThrows(StateException.class, () -> StateStore.open(url()));
        assertTrue(e.getMessage().contains("migrate"), e.getMessage());
    }

    @Test
    void anInMemoryDatabaseIsRefused() {
        assertThrows(StateException.class, () -> StateStore.open("jdbc:sqlite::memory:"));
        assertThrows(StateException.class, () -> StateStore.open("jdbc:sqlite:file:x?mode=memory"));
        assertFalse(Files.exists(dir.resolve("nested")));
    }

    @Test
    void aClosedStoreRefusesCalls() {
        StateStore store = StateStore.open(url());
        store.close();
        assertThrows(StateException.class, () -> store.modelAccess().list());
    }
}
