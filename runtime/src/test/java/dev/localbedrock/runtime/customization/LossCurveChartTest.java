package dev.localbedrock.runtime.customization;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss curve PNG decodes, has its size, is drawn on, and shows both curves in their colours. */
class LossCurveChartTest {

    private static List<TrainingMetricsFiles.Row> falling(int steps, int stepsPerEpoch) {
        List<TrainingMetricsFiles.Row> rows = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            rows.add(new TrainingMetricsFiles.Row(s, (s - 1) / stepsPerEpoch + 1, 4.0 * Math.exp(-s / 20.0) + 0.1));
        }
        return rows;
    }

    private static BufferedImage decode(byte[] png) throws Exception {
        assertEquals(0x89, png[0] & 0xff, "a PNG signature");
        assertEquals('P', png[1]);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "ImageIO decodes it");
        return image;
    }

    private static int count(BufferedImage image, Color colour) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == (colour.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    @Test
    void drawsTheTrainingLineAndTheValidationPoints() throws Exception {
        List<TrainingMetricsFiles.Row> steps = falling(60, 20);
        List<TrainingMetricsFiles.Row> validation = List.of(new TrainingMetricsFiles.Row(20, 1, 1.9),
                new TrainingMetricsFiles.Row(40, 2, 1.2), new TrainingMetricsFiles.Row(60, 3, 0.9));
        BufferedImage image = decode(LossCurveChart.png("Fine-tuning job j", steps, validation));
        assertEquals(LossCurveChart.WIDTH, image.getWidth());
        assertEquals(LossCurveChart.HEIGHT, image.getHeight());
        assertTrue(distinctColours(image) > 10, "not blank: axes, text and curves are drawn");
        // Anti-aliased edges blend, but a 2-pixel line has a core of its exact colour.
        assertTrue(count(image, LossCurveChart.TRAINING_COLOUR) > 200, "the training line is drawn");
        assertTrue(count(image, LossCurveChart.VALIDATION_COLOUR) > 20, "the validation points are drawn");
    }

    @Test
    void withoutValidationOnlyTheTrainingCurveIsDrawn() throws Exception {
        BufferedImage image = decode(LossCurveChart.png("t", falling(30, 10), List.of()));
        assertTrue(count(image, LossCurveChart.TRAINING_COLOUR) > 200);
        assertEquals(0, count(image, LossCurveChart.VALIDATION_COLOUR), "no validation points, no legend entry");
    }

    @Test
    void aSingleStepAndNonFiniteLossesStillRender() throws Exception {
        BufferedImage one = decode(LossCurveChart.png("t", List.of(new TrainingMetricsFiles.Row(1, 1, 2.5)),
                List.of()));
        assertTrue(count(one, LossCurveChart.TRAINING_COLOUR) > 10, "one step is drawn as a point");

        List<TrainingMetricsFiles.Row> diverged = new ArrayList<>(falling(20, 20));
        diverged.add(new TrainingMetricsFiles.Row(21, 1, Double.NaN));
        diverged.add(new TrainingMetricsFiles.Row(22, 1, Double.POSITIVE_INFINITY));
        BufferedImage image = decode(LossCurveChart.png("t", diverged, List.of()));
        assertTrue(count(image, LossCurveChart.TRAINING_COLOUR) > 100, "the finite steps are still a curve");

        BufferedImage none = decode(LossCurveChart.png("t", List.of(), List.of()));
        assertEquals(LossCurveChart.WIDTH, none.getWidth(), "no steps yet: an empty chart, not an error");
    }
}
