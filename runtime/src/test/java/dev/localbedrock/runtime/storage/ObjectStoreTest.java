package dev.localbedrock.runtime.storage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same contract on both stores: the AWS SDK against a real S3 server (S3Proxy), and the local folder. */
class ObjectStoreTest {
    private static S3ProxyServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3ProxyServer();
        server.createBucket("logs-bucket");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static void contract(ObjectStore store) {
        byte[] a = "first".getBytes(StandardCharsets.UTF_8);
        store.put("logs-bucket", "p/AWSLogs/x/one.json", a);
        store.put("logs-bucket", "p/AWSLogs/y/two.json", "second".getBytes(StandardCharsets.UTF_8));
        store.put("logs-bucket", "other/three.json", new byte[0]);
        assertArrayEquals(a, store.get("logs-bucket", "p/AWSLogs/x/one.json").orElseThrow());
        assertEquals(List.of("p/AWSLogs/x/one.json", "p/AWSLogs/y/two.json"), store.list("logs-bucket", "p/"));
        store.put("logs-bucket", "p/AWSLogs/x/one.json", "replaced".getBytes(StandardCharsets.UTF_8));
        assertEquals("replaced", new String(store.get("logs-bucket", "p/AWSLogs/x/one.json").orElseThrow(),
                StandardCharsets.UTF_8));
        store.delete("logs-bucket", "p/AWSLogs/x/one.json");
        store.delete("logs-bucket", "p/AWSLogs/x/one.json"); // absent: not an error
        assertTrue(store.get("logs-bucket", "p/AWSLogs/x/one.json").isEmpty());
        assertEquals(List.of("other/three.json", "p/AWSLogs/y/two.json"), store.list("logs-bucket", ""));
        listingFingerprints(store);
    }

    /** listObjects: keys in order with sizes; a fingerprint that stays while the object does and changes with it. */
    private static void listingFingerprints(ObjectStore store) {
        store.put("logs-bucket", "docs/a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
        store.put("logs-bucket", "docs/b.txt", "bravo!".getBytes(StandardCharsets.UTF_8));
        List<ObjectStore.ObjectInfo> first = store.listObjects("logs-bucket", "docs/");
        assertEquals(List.of("docs/a.txt", "docs/b.txt"), first.stream().map(ObjectStore.ObjectInfo::key).toList());
        assertEquals(List.of(5L, 6L), first.stream().map(ObjectStore.ObjectInfo::size).toList());
        assertEquals(first, store.listObjects("logs-bucket", "docs/"), "unchanged objects keep their fingerprints");
        store.put("logs-bucket", "docs/a.txt", "alpha, changed".getBytes(StandardCharsets.UTF_8));
        List<ObjectStore.ObjectInfo> second = store.listObjects("logs-bucket", "docs/");
        assertTrue(!first.get(0).fingerprint().equals(second.get(0).fingerprint()), "a change shows");
        assertEquals(first.get(1), second.get(1));
    }

    @Test
    void s3ClientAgainstARealS3Server() {
        try (ObjectStore store = ObjectStores.open(server.settings(dir))) {
            assertTrue(store instanceof S3ObjectStore);
            contract(store);
            assertThrows(StorageException.class, () -> store.put("no-such-bucket", "k", new byte[1]));
        }
    }

    @Test
    void localFolderHasTheBucketLayout() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        contract(store);
        assertEquals("second", Files.readString(dir.resolve("logs-bucket/p/AWSLogs/y/two.json")));
        try (var files = Files.walk(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".partial")), "temporary files are moved");
        }
        assertThrows(StorageException.class, () -> store.put("logs-bucket", "a/../../escape", new byte[1]));
        assertThrows(StorageException.class, () -> store.put("Bad_Bucket", "k", new byte[1]));
    }
}
