package dev.localbedrock.runtime.robustness;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks, in the surefire execution after the fuzzer's, that {@link WireFuzzTest} really ran to its end. A finding
 * fails the fuzz test itself; this catches the runs that end without a JUnit result at all (libFuzzer or the JVM
 * ending the fork, a run cut short by a duration limit), which surefire would otherwise report as "Tests run: 0"
 * and a success. The fuzzer writes its marker only after its last health check passed; this test consumes it, so a
 * marker is never counted twice.
 */
@Tag("wire-fuzz-check")
class WireFuzzCompletedTest {
    private static final String MARKER_PROPERTY = "robustness.marker";

    /** Where the marker lives: target/ of the module, set by the build; a temp file when run from an IDE. */
    static Path marker() {
        String configured = System.getProperty(MARKER_PROPERTY);
        return Path.of(configured != null ? configured
                : System.getProperty("java.io.tmpdir") + "/wire-fuzz-completed.txt");
    }

    static void clear() throws IOException {
        Files.deleteIfExists(marker());
    }

    static void record(long requests, String summary) throws IOException {
        Files.writeString(marker(), requests + "\n" + summary + "\n", StandardCharsets.UTF_8);
    }

    @Test
    void theFuzzerSentEveryInputAndTheServerStillServed() throws IOException {
        long required = Long.getLong("jazzer.max_executions", 1);
        Path marker = marker();
        assertTrue(Files.exists(marker), "the wire fuzzer left no completion marker at " + marker + ": its JVM ended"
                + " before the last health check (see the crash-* or timeout-* files and the log of the robustness"
                + " execution)");
        String[] lines = Files.readString(marker, StandardCharsets.UTF_8).split("\n", 2);
        Files.delete(marker);
        long sent = Long.parseLong(lines[0].trim());
        assertTrue(sent >= required, "the wire fuzzer sent " + sent + " requests, fewer than the " + required
                + " required: " + (lines.length > 1 ? lines[1] : ""));
        System.out.println("wire fuzz completed: " + (lines.length > 1 ? lines[1].trim() : sent + " requests"));
    }
}
