package dev.localbedrock.runtime.customization;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A fine-tuning job's loss curve as a PNG: the training loss of every step as a line, and the validation loss of each
 * epoch as a marked point at that epoch's last step (so both share the step axis, as the metrics files number them);
 * a job without validation data has the training curve alone.
 * Drawn by JFreeChart into a {@link BufferedImage} and encoded by ImageIO — no window, no screen: it works on a
 * server with no display, where the JVM runs headless.
 *
 * <p>A step whose loss is not finite (a diverged step) is left out of the curve rather than stretching the axis to
 * infinity; the CSV files keep it.
 */
public final class LossCurveChart {
    public static final int WIDTH = 960;
    public static final int HEIGHT = 540;
    /** The training curve's colour (a blue) and the validation points' (a red); tests look for these pixels. */
    public static final Color TRAINING_COLOUR = new Color(0x1f, 0x77, 0xb4);
    public static final Color VALIDATION_COLOUR = new Color(0xd6, 0x27, 0x28);

    static {
        // Only drawing into memory happens here; say so before AWT first looks, unless the operator already chose.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private LossCurveChart() {
    }

    /** The chart as PNG bytes, {@link #WIDTH} × {@link #HEIGHT}. */
    public static byte[] png(String title, List<TrainingMetricsFiles.Row> steps,
                             List<TrainingMetricsFiles.Row> validation) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeBufferedImageAsPNG(out, render(title, steps, validation));
        return out.toByteArray();
    }

    static BufferedImage render(String title, List<TrainingMetricsFiles.Row> steps,
                                List<TrainingMetricsFiles.Row> validation) {
        XYSeries training = series("training loss (each step)", steps);
        XYSeries validating = series("validation loss (each epoch)", validation);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(training);
        if (!validation.isEmpty()) {
            data.addSeries(validating); // no legend entry for validation a job does not have
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "loss (mean per output token)", data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(false); // the fall of the loss is what the chart is for
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesPaint(0, TRAINING_COLOUR);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesShapesVisible(0, steps.size() == 1); // one step: a point, as a line needs two
        renderer.setSeriesPaint(1, VALIDATION_COLOUR);
        renderer.setSeriesStroke(1, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
                new float[]{6f, 4f}, 0f));
        renderer.setSeriesShapesVisible(1, true);
        plot.setRenderer(renderer);
        return chart.createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null);
    }

    private static XYSeries series(String name, List<TrainingMetricsFiles.Row> rows) {
        // Not auto-sorted and duplicates allowed: the rows come in step order, and add() stays O(1).
        XYSeries s = new XYSeries(name, false, true);
        for (TrainingMetricsFiles.Row r : rows) {
            if (Double.isFinite(r.loss())) {
                s.add(r.step(), r.loss(), false);
            }
        }
        s.fireSeriesChanged();
        return s;
    }
}
