package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * One line of {@code jobs watch}: a fine-tuning job's state as GetModelCustomizationJob reports it, drawn as a
 * progress bar with the epoch, step, loss, tokens per second and time left, e.g.
 * {@code my-job InProgress [#########...............]  38% epoch 1/3 step 23/60 loss 2.7134 1840 tok/s ETA 0:41}.
 * A pure function of a {@link Snapshot}, so what the user sees is tested without a server.
 */
final class JobProgressLine {
    static final int BAR_WIDTH = 24;

    /** The training's latest figures: GetModelCustomizationJob's {@code progress} member (present while it trains). */
    record Progress(int step, int totalSteps, int epoch, int epochCount, double trainingLoss, double tokensPerSecond,
                    double etaSeconds) {
        static Progress of(JsonNode p) {
            if (p == null || !p.isObject()) {
                return null;
            }
            return new Progress(p.path("step").asInt(), p.path("totalSteps").asInt(), p.path("epoch").asInt(),
                    p.path("epochCount").asInt(), p.path("trainingLoss").asDouble(Double.NaN),
                    p.path("tokensPerSecond").asDouble(Double.NaN), p.path("etaSeconds").asDouble(Double.NaN));
        }
    }

    /**
     * What one poll saw.
     *
     * @param progress     the training's figures, or null when it is not training (checking data, or ended)
     * @param trainingLoss the job's stored {@code trainingMetrics.trainingLoss} (the last epoch's mean), or null
     */
    record Snapshot(String jobName, String status, Progress progress, String failureMessage, Double trainingLoss,
                    String outputModelArn) {
        static Snapshot of(JsonNode job) {
            JsonNode loss = job.path("trainingMetrics").path("trainingLoss");
            return new Snapshot(job.path("jobName").asText(), job.path("status").asText(),
                    Progress.of(job.get("progress")), text(job, "failureMessage"),
                    loss.isNumber() ? loss.asDouble() : null, text(job, "outputModelArn"));
        }

        private static String text(JsonNode job, String field) {
            JsonNode v = job.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }

        boolean ended() {
            return status.equals("Completed") || status.equals("Failed") || status.equals("Stopped");
        }

        /** This snapshot, with {@code earlier} as its progress when it has none of its own (an ended job). */
        Snapshot orLastSeen(Progress earlier) {
            return progress != null || earlier == null ? this
                    : new Snapshot(jobName, status, earlier, failureMessage, trainingLoss, outputModelArn);
        }

        /** What, when it changes, makes a new line where lines cannot be redrawn: the state and the step. */
        String changeKey() {
            return status + "/" + (progress == null ? -1 : progress.step());
        }
    }

    private JobProgressLine() {
    }

    static String format(Snapshot s) {
        StringBuilder b = new StringBuilder(s.jobName()).append(' ').append(s.status()).append(' ');
        Progress p = s.progress();
        boolean completed = s.status().equals("Completed");
        double fraction = completed ? 1 : p == null || p.totalSteps() <= 0 ? 0
                : Math.min(1, (double) p.step() / p.totalSteps());
        bar(b, fraction);
        b.append(String.format(Locale.ROOT, " %3d%%", (int) Math.floor(fraction * 100)));
        if (p == null) {
            if (!s.ended()) {
                b.append(" checking the data");
            }
        } else if (completed) {
            // Done: every step and epoch ran, whatever step the last poll happened to see.
            b.append(" epoch ").append(p.epochCount()).append('/').append(p.epochCount())
                    .append(" step ").append(p.totalSteps()).append('/').append(p.totalSteps());
        } else {
            b.append(" epoch ").append(p.epoch()).append('/').append(p.epochCount())
                    .append(" step ").append(p.step()).append('/').append(p.totalSteps())
                    .append(" loss ").append(number(p.trainingLoss(), "%.4f"))
                    .append(' ').append(number(p.tokensPerSecond(), "%.0f")).append(" tok/s");
            if (!s.ended()) {
                b.append(" ETA ").append(duration(p.etaSeconds()));
            }
        }
        if (completed && s.trainingLoss() != null) {
            b.append(" training loss ").append(number(s.trainingLoss(), "%.4f"));
        }
        if (s.status().equals("Failed") && s.failureMessage() != null) {
            b.append(": ").append(s.failureMessage());
        }
        return b.toString();
    }

    /** {@code line} cut to {@code columns - 1} characters (the last column would wrap on some terminals). */
    static String fit(String line, int columns) {
        return columns < 20 || line.length() < columns ? line : line.substring(0, columns - 1);
    }

    private static void bar(StringBuilder b, double fraction) {
        int filled = (int) Math.floor(fraction * BAR_WIDTH);
        b.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append(']');
    }

    private static String number(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "?";
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour; {@code ?} when unknown. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
