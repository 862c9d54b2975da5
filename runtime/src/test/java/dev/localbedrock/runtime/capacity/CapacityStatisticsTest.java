package dev.localbedrock.runtime.capacity;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arithmetic behind the capacity figures, on a fake clock: percentiles, the window, tokens per minute. */
class CapacityStatisticsTest {
    private static final long MS = 1_000_000L;

    @Test
    void percentilesAreNearestRankSamplesNotInterpolations() {
        LatencySamples samples = new LatencySamples();
        assertTrue(Double.isNaN(samples.percentile(0.99)), "no samples, no percentile");
        for (int i = 1000; i >= 1; i--) { // 1..1000 ms, out of order, past the initial capacity
            samples.add(i * MS);
        }
        assertEquals(500 * MS, samples.percentile(0.50));
        assertEquals(990 * MS, samples.percentile(0.99));
        assertEquals(1000 * MS, samples.percentile(1.0));
        assertEquals(1 * MS, samples.percentile(0.0001));
        LatencySamples few = new LatencySamples();
        few.add(10 * MS);
        few.add(30 * MS);
        few.add(20 * MS);
        assertEquals(20 * MS, few.percentile(0.50));
        assertEquals(30 * MS, few.percentile(0.99), "p99 of three samples is the largest, never a blend");
        assertThrows(IllegalArgumentException.class, () -> few.percentile(0));
        assertThrows(IllegalArgumentException.class, () -> few.percentile(99));
    }

    @Test
    void onlyEventsInsideTheWindowCountAndRatesArePerMinuteOfTheWindow() {
        LevelRecorder recorder = new LevelRecorder(4);
        // Warm-up: ignored entirely.
        recorder.firstText(500 * MS, 100 * MS, 64, 1);
        recorder.moreText(600 * MS, 100 * MS, 1);
        recorder.completed(700 * MS);
        recorder.failed(700 * MS);

        recorder.open(1_000 * MS);
        recorder.firstText(1_050 * MS, 40 * MS, 64, 1);   // prompt of 64 processed in the window
        recorder.moreText(1_070 * MS, 20 * MS, 1);
        recorder.moreText(1_130 * MS, 60 * MS, 3);        // held-back text: three tokens of 20 ms each
        recorder.moreText(1_160 * MS, 30 * MS, 1);
        recorder.silentTokens(1_160 * MS, 1);
        recorder.completed(1_160 * MS);
        recorder.moreText(1_200 * MS, 10 * MS, 1);         // a request that began in the warm-up
        LevelResult result = recorder.close(31_000 * MS); // a 30 s window
        recorder.moreText(31_100 * MS, 10 * MS, 5);         // after the window: ignored
        recorder.completed(31_100 * MS);

        assertEquals(4, result.concurrency());
        assertEquals(30_000 * MS, result.elapsedNanos());
        assertEquals(1, result.completed());
        assertEquals(0, result.failed());
        assertEquals(64, result.inputTokens());
        assertEquals(1 + 1 + 3 + 1 + 1 + 1, result.outputTokens());
        assertEquals(6, result.itlSamples(), "one sample per token after the first");
        assertEquals(20 * MS, result.itlP50Nanos());
        assertEquals(30 * MS, result.itlP99Nanos());
        assertEquals(40 * MS, result.ttftP99Nanos());
        assertEquals(64 * 2.0, result.inputTokensPerMinute(), 1e-9, "64 tokens in half a minute");
        assertEquals(8 * 2.0, result.outputTokensPerMinute(), 1e-9);
        assertEquals(2.0, result.requestsPerMinute(), 1e-9);
        assertEquals(30.0, result.seconds(), 1e-9);
    }

    @Test
    void aWindowMustBeOpenedBeforeItCloses() {
        assertThrows(IllegalStateException.class, () -> new LevelRecorder(1).close(0));
    }

    private static LevelResult level(int concurrency, double p99Ms, long failed, long outputTokens) {
        return new LevelResult(concurrency, 60_000 * MS, 10, failed, 100L * concurrency, outputTokens,
                p99Ms * MS / 2, p99Ms * MS, 50 * MS, 100);
    }

    @Test
    void theChosenLevelIsTheHighestWithinTheTargetWithoutFailures() {
        List<LevelResult> levels = List.of(level(1, 10, 0, 100), level(2, 12, 0, 190), level(4, 14, 0, 350),
                level(8, 16, 0, 600), level(16, 30, 0, 800));
        CapacityReport derived = CapacityReport.judge(levels, null);
        assertEquals(15 * MS, derived.targetNanos(), 1e-6, "1.5 x the p99 at concurrency 1");
        assertFalse(derived.targetGiven());
        assertEquals(4, derived.chosen().orElseThrow().concurrency());

        CapacityReport given = CapacityReport.judge(levels, 16.0 * MS);
        assertTrue(given.targetGiven());
        assertEquals(8, given.chosen().orElseThrow().concurrency(), "the target is inclusive");
        assertTrue(given.meets(levels.get(3)));
        assertFalse(given.meets(levels.get(4)));

        assertTrue(CapacityReport.judge(levels, 5.0 * MS).chosen().isEmpty(), "nothing within 5 ms");

        List<LevelResult> throttled = List.of(level(1, 10, 0, 100), level(2, 11, 3, 190));
        assertEquals(1, CapacityReport.judge(throttled, null).chosen().orElseThrow().concurrency(),
                "a level whose own load was refused cannot be reserved");
    }

    @Test
    void aTargetCannotBeDerivedFromALevelThatSawNoGap() {
        LevelResult silent = new LevelResult(1, 1_000 * MS, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, 0);
        assertThrows(IllegalArgumentException.class, () -> CapacityReport.judge(List.of(silent), null));
        assertTrue(CapacityReport.judge(List.of(silent), 10.0 * MS).chosen().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> CapacityReport.judge(List.of(), 1.0));
    }

    @Test
    void levelsDoubleUpToTheMaximumAndEndOnIt() {
        assertEquals(List.of(1), CapacityProbe.levels(1));
        assertEquals(List.of(1, 2, 4, 8, 16), CapacityProbe.levels(16));
        assertEquals(List.of(1, 2, 4, 8, 12), CapacityProbe.levels(12));
        assertThrows(IllegalArgumentException.class, () -> CapacityProbe.levels(0));
    }
}
