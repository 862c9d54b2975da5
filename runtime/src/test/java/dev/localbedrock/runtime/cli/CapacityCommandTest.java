package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.TestServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code capacity} on tiny-random-llama with windows of a fraction of a second: the figures, not their size. */
class CapacityCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path work;
    private static Path catalogue;

    private record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void writeCatalogue() throws Exception {
        catalogue = TestServers.writeTinyLlamaCatalogue(work, "pytorch", "", "max_running_sequences: 4", "");
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBuffer = new ByteArrayOutputStream();
        ByteArrayOutputStream errBuffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(outBuffer, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBuffer, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.commandLine().execute(args);
            return new Run(exit, outBuffer.toString(StandardCharsets.UTF_8), errBuffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The command with tiny windows, 16-token prompts and 12-token generations. */
    private static String[] capacity(String... more) {
        String[] tokens = {"--prompt-tokens", "16", "--output-tokens", "12"};
        String[] all = new String[tokens.length + more.length];
        System.arraycopy(tokens, 0, all, 0, tokens.length);
        System.arraycopy(more, 0, all, tokens.length, more.length);
        return capacityWithTokens(all);
    }

    /** The command with tiny windows; the caller gives the token counts. */
    private static String[] capacityWithTokens(String... more) {
        String[] base = {"capacity", "--config", catalogue.toString(), "--model", TestServers.LLAMA_ID,
                "--duration-seconds", "0.6", "--warmup-seconds", "0.2"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void jsonReportsConsistentPositiveFiguresPerLevelAndTheModelUnitOfTheChosenOne() throws Exception {
        Run r = run(capacity("--json"));
        assertEquals(0, r.exit, r.out + r.err);
        JsonNode report = JSON.readTree(r.out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        JsonNode levels = report.get("levels");
        assertEquals(3, levels.size(), "1, 2 and 4, the entry's max_running_sequences: " + report);
        assertTrue(report.get("target_p99_itl_ms").asDouble() > 0);
        assertEquals(false, report.get("target_given").asBoolean());
        assertEquals(1.5 * levels.get(0).get("itl_p99_ms").asDouble(), report.get("target_p99_itl_ms").asDouble(),
                1e-9, "the default target");
        for (int i = 0; i < levels.size(); i++) {
            JsonNode level = levels.get(i);
            assertEquals(1 << i, level.get("concurrency").asInt());
            double seconds = level.get("seconds").asDouble();
            assertTrue(seconds >= 0.5, level.toString());
            long out = level.get("output_tokens").asLong();
            long in = level.get("input_tokens").asLong();
            assertTrue(out > 0 && in > 0, level.toString());
            assertEquals(out * 60 / seconds, level.get("output_tokens_per_minute").asDouble(), 1e-6 * out,
                    "output tokens per minute are the window's tokens over its length: " + level);
            assertEquals(in * 60 / seconds, level.get("input_tokens_per_minute").asDouble(), 1e-6 * in);
            assertEquals(level.get("requests_completed").asLong() * 60 / seconds,
                    level.get("requests_per_minute").asDouble(), 1e-6);
            assertEquals(0, in % 16, "prompts are counted whole, 16 tokens each: " + level);
            double p50 = level.get("itl_p50_ms").asDouble();
            double p99 = level.get("itl_p99_ms").asDouble();
            assertTrue(p50 > 0 && p50 <= p99, level.toString());
            assertTrue(level.get("ttft_p99_ms").asDouble() > 0, level.toString());
            assertTrue(level.get("itl_samples").asInt() > 0, level.toString());
            assertEquals(0, level.get("requests_failed").asLong(), level.toString());
        }
        assertTrue(levels.get(0).get("meets_target").asBoolean(), "concurrency 1 is within 1.5 x itself");
        int chosen = report.get("chosen_concurrency").asInt();
        JsonNode chosenLevel = null;
        for (JsonNode level : levels) {
            if (level.get("meets_target").asBoolean()) {
                assertTrue(level.get("concurrency").asInt() <= chosen, "the chosen level is the highest passing one");
            }
            if (level.get("concurrency").asInt() == chosen) {
                chosenLevel = level;
            }
        }
        assertTrue(chosenLevel != null && chosenLevel.get("meets_target").asBoolean(), report.toString());
        JsonNode unit = report.get("model_unit");
        assertEquals((long) Math.floor(chosenLevel.get("input_tokens_per_minute").asDouble()),
                unit.get("input_tokens_per_minute").asLong());
        assertEquals((long) Math.floor(chosenLevel.get("output_tokens_per_minute").asDouble()),
                unit.get("output_tokens_per_minute").asLong());
    }

    @Test
    void theTablePrintsThePastableModelUnitAndAnUnreachableTargetExitsOne() {
        Run r = run(capacity("--max-concurrency", "1", "--target-p99-itl-ms", "100000"));
        assertEquals(0, r.exit, r.out + r.err);
        assertTrue(r.out.contains("p99 ITL ms"), r.out);
        Matcher unit = Pattern.compile("(?m)^model_unit: \\{input_tokens_per_minute: (\\d+), "
                + "output_tokens_per_minute: (\\d+)}$").matcher(r.out);
        assertTrue(unit.find(), r.out);
        assertTrue(Long.parseLong(unit.group(1)) > 0 && Long.parseLong(unit.group(2)) > 0, r.out);

        Run strict = run(capacity("--max-concurrency", "1", "--target-p99-itl-ms", "0.000001"));
        assertEquals(1, strict.exit, strict.out + strict.err);
        assertTrue(strict.out.contains("no level met the target"), strict.out);
        assertTrue(!strict.out.contains("model_unit:"), strict.out);
    }

    @Test
    void badArgumentsAreRefusedBeforeOrRightAfterLoading() {
        Run unknown = run("capacity", "--config", catalogue.toString(), "--model", "no.such-model");
        assertEquals(1, unknown.exit);
        assertTrue(unknown.err.contains("no model 'no.such-model'"), unknown.err);
        Run oneToken = run(capacityWithTokens("--prompt-tokens", "16", "--output-tokens", "1"));
        assertEquals(2, oneToken.exit);
        assertTrue(oneToken.err.contains("--output-tokens must be at least 2"), oneToken.err);
        Run noClients = run(capacity("--max-concurrency", "0"));
        assertEquals(2, noClients.exit);
        assertTrue(noClients.err.contains("--max-concurrency must be at least 1"), noClients.err);
        Run negative = run(capacity("--target-p99-itl-ms", "-3"));
        assertEquals(2, negative.exit);
        assertTrue(negative.err.contains("--target-p99-itl-ms must be positive"), negative.err);
        Run tooLong = run(capacityWithTokens("--prompt-tokens", "2000", "--output-tokens", "100"));
        assertEquals(2, tooLong.exit);
        assertTrue(tooLong.err.contains("context of 2048"), tooLong.err);
    }
}
