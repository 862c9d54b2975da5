package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kill -9 mid-write: a separate JVM ({@link CrashWriter}) creates, tags, updates and deletes provisioned models
 * and acknowledges each write on stdout; it is killed with SIGKILL while writing. On reopening, every acknowledged
 * write must be there, and every row there must be one of the states a whole write leaves (no half-written model,
 * no partial tag set).
 */
class StateCrashTest {
    private static final int ACKS_BEFORE_KILL = 120;
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("state/control-plane.db");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process writer = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=none", CrashWriter.class.getName(), url)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Map<String, Set<Integer>> acked = new HashMap<>();
        int acks = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length != 2 || !parts[1].matches("\\d+")) {
                    continue; // READY, or a log line
                }
                acked.computeIfAbsent(parts[0], k -> new HashSet<>()).add(Integer.parseInt(parts[1]));
                if (++acks == ACKS_BEFORE_KILL) {
                    // SIGKILL: no shutdown hook, no close. Killing closes our end of its stdout, so the lines it
                    // printed after this one are not counted: fewer acknowledgements checked, none wrongly.
                    writer.destroyForcibly();
                    break;
                }
            }
        } finally {
            writer.destroyForcibly();
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(acks >= ACKS_BEFORE_KILL, "the writer died early after " + acks + " acknowledgements");

        try (StateStore store = StateStore.open(url)) {
            ProvisionedModelRepository models = store.provisionedModels();
            for (int i : acked.getOrDefault("CREATED", Set.of())) {
                if (!acked.getOrDefault("DELETED", Set.of()).contains(i)) {
                    assertTrue(models.findByArn(CrashWriter.arn(i)).isPresent(), "acknowledged create " + i + " lost");
                }
            }
            for (int i : acked.getOrDefault("TAGGED", Set.of())) {
                if (!acked.getOrDefault("DELETED", Set.of()).contains(i)) {
                    assertEquals(CrashWriter.tags(i), store.tags().list(CrashWriter.arn(i)), "tags of " + i);
                }
            }
            for (int i : acked.getOrDefault("UPDATED", Set.of())) {
                if (!acked.getOrDefault("DELETED", Set.of()).contains(i)) {
                    assertEquals(CrashWriter.inService(i), models.findByArn(CrashWriter.arn(i)).orElseThrow());
                }
            }
            for (int i : acked.getOrDefault("DELETED", Set.of())) {
                assertFalse(models.findByArn(CrashWriter.arn(i)).isPresent(), "acknowledged delete " + i + " lost");
                assertTrue(store.tags().list(CrashWriter.arn(i)).isEmpty(), "tags of deleted " + i);
            }
            List<ProvisionedModel> all = models.list();
            assertFalse(all.isEmpty());
            List<String> problems = new ArrayList<>();
            for (ProvisionedModel m : all) {
                int i = Integer.parseInt(m.arn().substring(m.arn().lastIndexOf("crash") + "crash".length()));
                if (!m.equals(CrashWriter.created(i)) && !m.equals(CrashWriter.inService(i))) {
                    problems.add("half-written model " + m);
                }
                Map<String, String> tags = store.tags().list(m.arn());
                if (!tags.isEmpty() && !tags.equals(CrashWriter.tags(i))) {
                    problems.add("partial tags of " + i + ": " + tags);
                }
            }
            if (!problems.isEmpty()) {
                fail(String.join("\n", problems));
            }
        }
    }
}
