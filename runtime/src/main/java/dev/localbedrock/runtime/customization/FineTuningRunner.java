package dev.localbedrock.runtime.customization;

import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.training.DecoderTrainer;
import dev.localbedrock.engines.training.FineTuning;
import dev.localbedrock.engines.training.StepProgress;
import dev.localbedrock.engines.training.TrainingMonitor;
import dev.localbedrock.engines.training.TrainingDivergedException;
import dev.localbedrock.engines.training.TrainingOutcome;
import dev.localbedrock.engines.training.TrainingSequence;
import dev.localbedrock.engines.training.TrainingSettings;
import dev.localbedrock.runtime.catalog.CustomizationSettings;
import dev.localbedrock.runtime.storage.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One fine-tuning job, start to end, on its training thread: the guide's checks first (the datasets readable, the
 * output location writable, every record valid — before any weight moves), then the training on the engines'
 * {@link DecoderTrainer}, and the output: the metrics files and loss curve under the job's output location, and the
 * custom model's merged weights.
 *
 * <p>Each record becomes the tokens InvokeModel will see: the input as the serving path encodes a prompt (with the
 * model's BOS), then the output and the end-of-sequence token, with the loss on the output and the end token only.
 * So greedy decoding of a trained prompt on the custom model answers with the trained output and stops.
 *
 * <p>At each epoch's end the validation loss is measured, the losses become the job's checkpoint (what a stop keeps)
 * and the metrics files are rewritten with every step so far, so a stopped job's output has its metrics too.
 */
public final class FineTuningRunner implements JobTraining {
    private static final Logger log = LoggerFactory.getLogger(FineTuningRunner.class);
    private final ObjectStore store;
    private final CustomizationSettings settings;

    public FineTuningRunner(ObjectStore store, CustomizationSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    @Override
    public Outcome run(CustomizationJob job, TrainableBase base, JobControl control) throws Exception {
        JobStorage storage = new JobStorage(store);
        JobStorage.S3Location trainingAt = JobStorage.S3Location.parse(job.trainingS3Uri());
        JobStorage.S3Location validationAt = job.validationS3Uri() == null ? null
                : JobStorage.S3Location.parse(job.validationS3Uri());
        JobStorage.S3Location outputAt = JobStorage.S3Location.parse(job.outputS3Uri());
        byte[] trainingData = storage.readDataset(trainingAt);
        byte[] validationData = validationAt == null ? null : storage.readDataset(validationAt);
        storage.checkOutputWritable(outputAt);

        int batch = job.hyperParameters().batchSize();
        TextTokenizer tokenizer = base.tokenizer();
        List<TrainingSequence> training = sequences(TrainingDataValidator.validate(trainingAt.fileName(),
                trainingData, TrainingDataValidator.Kind.TRAINING, batch, t -> tokenizer.encode(t, false).length),
                base);
        List<TrainingSequence> validation = validationData == null ? List.of()
                : sequences(TrainingDataValidator.validate(validationAt.fileName(), validationData,
                TrainingDataValidator.Kind.VALIDATION, batch, t -> tokenizer.encode(t, false).length), base);

        Hyperparameters h = job.hyperParameters();
        TrainingSettings trainingSettings = new TrainingSettings(
                "full".equals(settings.method()) ? FineTuning.FULL : FineTuning.LORA, settings.loraRank(),
                settings.loraAlpha(), h.epochCount(), batch, h.learningRate(), h.learningRateWarmupSteps(), 0.0,
                seed(job), settings.device(), settings.trainingThreads());
        log.info("customization job {}: training {} on {} records ({} validation), {} epochs, batch {}, {}",
                job.jobName(), base.id(), training.size(), validation.size(), h.epochCount(), batch,
                trainingSettings.method());
        Metrics metrics = new Metrics(job, outputAt, h.epochCount());
        try (DecoderTrainer trainer = DecoderTrainer.open(base.checkpoint(), trainingSettings)) {
            TrainingOutcome outcome = train(job, trainer, training, new TrainingMonitor() {
                @Override
                public void step(StepProgress p) {
                    metrics.step(p);
                    control.progress(metrics.progress(p));
                }

                @Override
                public void epochEnd(int epoch, double meanTrainingLoss) {
                    List<Double> validationLosses = validation.isEmpty() ? List.of()
                            : List.of(trainer.meanLoss(validation));
                    metrics.epochEnd(epoch, validationLosses);
                    control.checkpoint(meanTrainingLoss, validationLosses);
                    metrics.write(store);
                }

                @Override
                public boolean stopRequested() {
                    return control.stopRequested();
                }
            });
            if (outcome.stopped()) {
                log.info("customization job {} stopped after {} steps ({} epochs)", job.jobName(),
                        outcome.stepsDone(), outcome.epochsDone());
                return Outcome.STOPPED;
            }
            trainer.writeMerged(control.modelDirectory());
        }
        metrics.write(store);
        log.info("customization job {}: custom model weights written to {}", job.jobName(), control.modelDirectory());
        return Outcome.COMPLETED;
    }

    /**
     * {@link DecoderTrainer#train}, a step whose loss or gradients are not finite (the trainer stops before reporting
     * or applying it) becoming the job's failure with its reason: a Failed job, not NaN metrics and NaN weights.
     */
    private static TrainingOutcome train(CustomizationJob job, DecoderTrainer trainer, List<TrainingSequence> data,
                                         TrainingMonitor monitor) throws TrainingFailedException {
        try {
            return trainer.train(data, monitor);
        } catch (TrainingDivergedException e) {
            log.warn("customization job {}: {}", job.jobName(), e.getMessage());
            throw new TrainingFailedException(failureMessage(e), e);
        }
    }

    /** The job's failureMessage for a non-finite loss or gradient. */
    static String failureMessage(TrainingDivergedException e) {
        String where = e.step() > 0 ? "at step " + e.step() + " (epoch " + e.epoch() + ")"
                : "in the validation pass";
        return "Training stopped " + where + ": the loss or its gradients are not finite numbers (" + e.getMessage()
                + "). No custom model was made; the metrics files keep the steps before it. Try a lower "
                + "learningRate or more learningRateWarmupSteps.";
    }

    /**
     * The records as token sequences: prompt (BOS, input) then output and EOS.
     *
     * @throws DatasetException when a record does not fit the model's context
     */
    private static List<TrainingSequence> sequences(List<TrainingDataValidator.Example> examples, TrainableBase base)
            throws DatasetException {
        List<TrainingSequence> out = new ArrayList<>(examples.size());
        int longest = 0;
        for (TrainingDataValidator.Example e : examples) {
            int[] prompt = base.tokenizer().encode(e.input(), true);
            int[] answer = base.tokenizer().encode(e.output(), false);
            int[] tokens = new int[prompt.length + answer.length + 1];
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            System.arraycopy(answer, 0, tokens, prompt.length, answer.length);
            tokens[tokens.length - 1] = base.eosId();
            longest = Math.max(longest, tokens.length);
            out.add(new TrainingSequence(tokens, prompt.length));
        }
        if (longest > base.contextTokens()) {
            // The guide's wording for its own limit, with this model's (its context) in its place.
            throw new DatasetException("Max sum of input and output token length " + longest
                    + " exceeds total limit of " + base.contextTokens());
        }
        return out;
    }

    /** The job's steps and epochs as they happen: its progress, and its metrics files rewritten at each epoch. */
    private static final class Metrics {
        private final CustomizationJob job;
        private final JobStorage.S3Location output;
        private final int epochs;
        private final List<TrainingMetricsFiles.Row> steps = new ArrayList<>();
        private final List<TrainingMetricsFiles.Row> validation = new ArrayList<>();
        private long tokens;
        private StepProgress last;
        private boolean chartFailed;

        Metrics(CustomizationJob job, JobStorage.S3Location output, int epochs) {
            this.job = job;
            this.output = output;
            this.epochs = epochs;
        }

        synchronized void step(StepProgress p) {
            steps.add(new TrainingMetricsFiles.Row(p.step(), p.epoch(), p.loss()));
            tokens += p.tokens();
            last = p;
        }

        synchronized TrainingProgress progress(StepProgress p) {
            return TrainingProgress.after(p.step(), p.totalSteps(), p.epoch(), epochs, p.loss(), tokens,
                    p.elapsedNanos());
        }

        synchronized void epochEnd(int epoch, List<Double> validationLosses) {
            if (!validationLosses.isEmpty() && last != null) {
                validation.add(new TrainingMetricsFiles.Row(last.step(), epoch, validationLosses.get(0)));
            }
        }

        synchronized void write(ObjectStore store) {
            store.put(output.bucket(), TrainingMetricsFiles.stepWiseKey(output.key(), job.jobId()),
                    TrainingMetricsFiles.csv(TrainingMetricsFiles.STEP_HEADER, steps)
                            .getBytes(StandardCharsets.UTF_8));
            if (job.validationS3Uri() != null) {
                store.put(output.bucket(), TrainingMetricsFiles.validationKey(output.key(), job.jobId()),
                        TrainingMetricsFiles.csv(TrainingMetricsFiles.VALIDATION_HEADER, validation)
                                .getBytes(StandardCharsets.UTF_8));
            }
            writeLossCurve(store);
        }

        /**
         * The loss curve beside the CSVs (one atomic put, like them). A chart is a convenience: when it cannot be
         * drawn (a JVM without its font libraries) the job goes on with its metrics files and says why once.
         */
        private void writeLossCurve(ObjectStore store) {
            byte[] png;
            try {
                png = LossCurveChart.png("Fine-tuning job " + job.jobName(), steps, validation);
            } catch (Exception | LinkageError e) {
                if (!chartFailed) {
                    chartFailed = true;
                    log.warn("customization job {}: the loss curve cannot be drawn ({}); the metrics files are "
                            + "written without it", job.jobName(), e.toString());
                }
                return;
            }
            store.put(output.bucket(), TrainingMetricsFiles.lossCurveKey(output.key(), job.jobId()), png);
        }
    }

    /** A seed fixed by the job, so rerunning a job's data and settings trains the same way. */
    private static long seed(CustomizationJob job) {
        return java.util.Arrays.hashCode(job.jobName().getBytes(StandardCharsets.UTF_8));
    }
}
