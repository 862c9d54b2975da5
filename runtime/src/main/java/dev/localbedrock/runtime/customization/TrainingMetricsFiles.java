package dev.localbedrock.runtime.customization;

import java.util.List;
import java.util.Locale;

/**
 * The guide's metrics files of a fine-tuning job (L4831–4861), under the output prefix:
 * {@code model-customization-job-ID/training_artifacts/step_wise_training_metrics.csv} (a row per optimizer step) and
 * {@code model-customization-job-ID/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv} (a row
 * per epoch end, at that epoch's last step). Perplexity is exp(loss). Numbers are written with Double.toString:
 * locale-independent and exact (the shortest decimal that reads back as the same double).
 *
 * <p>Beside the step-wise file this server also writes {@code training_artifacts/loss_curve.png}, both losses
 * drawn against the step ({@link LossCurveChart}); the guide names no such file, so its name is this server's.
 */
public final class TrainingMetricsFiles {
    public static final String STEP_HEADER = "step_number,epoch_number,training_loss,perplexity";
    public static final String VALIDATION_HEADER = "step_number,epoch_number,validation_loss,perplexity";

    /** One row: the global step, its epoch (both from 1), the loss. */
    public record Row(int step, int epoch, double loss) {
    }

    private TrainingMetricsFiles() {
    }

    /**
     * The rows of a metrics file this class wrote; a line that is not a whole row (a file being replaced, or edited
     * by hand) is skipped rather than failing the reader.
     */
    public static List<Row> parse(String csv) {
        List<Row> rows = new java.util.ArrayList<>();
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            if (f.length < 3) {
                continue;
            }
            try {
                rows.add(new Row(Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()),
                        Double.parseDouble(f[2].trim())));
            } catch (NumberFormatException e) {
                // not a row
            }
        }
        return rows;
    }

    /**
     * The file's text.
     *
     * @throws IllegalArgumentException for a loss that is not finite: the trainer stops before reporting one, so
     *                                  such a row is a bug, never a metric to write silently
     */
    public static String csv(String header, List<Row> rows) {
        StringBuilder b = new StringBuilder(header).append('\n');
        for (Row r : rows) {
            if (!Double.isFinite(r.loss())) {
                throw new IllegalArgumentException("step " + r.step() + " has a loss that is not finite: " + r.loss());
            }
            b.append(r.step()).append(',').append(r.epoch()).append(',').append(Double.toString(r.loss()))
                    .append(',').append(Double.toString(Math.exp(r.loss()))).append('\n');
        }
        return b.toString();
    }

    /** The job's folder under the output key: {@code PREFIX/model-customization-job-ID/}. */
    public static String jobFolder(String outputKey, String jobId) {
        String prefix = outputKey.isEmpty() || outputKey.endsWith("/") ? outputKey : outputKey + "/";
        return prefix + "model-customization-job-" + jobId.toLowerCase(Locale.ROOT) + "/";
    }

    public static String stepWiseKey(String outputKey, String jobId) {
        return jobFolder(outputKey, jobId) + "training_artifacts/step_wise_training_metrics.csv";
    }

    /** The loss curve PNG, beside the step-wise metrics file. */
    public static String lossCurveKey(String outputKey, String jobId) {
        return jobFolder(outputKey, jobId) + "training_artifacts/loss_curve.png";
    }

    public static String validationKey(String outputKey, String jobId) {
        return jobFolder(outputKey, jobId) + "validation_artifacts/post_fine_tuning_validation/validation_metrics.csv";
    }
}
