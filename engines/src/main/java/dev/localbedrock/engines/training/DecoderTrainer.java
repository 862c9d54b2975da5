package dev.localbedrock.engines.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.pytorch.PtRuntime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fine-tunes a Hugging Face decoder checkpoint ({@code llama}, {@code mistral}, {@code qwen2}) with DJL's autograd on
 * the PyTorch engine, LoRA or full, with AdamW and a linear warm-up/decay schedule, and writes the result as a plain
 * checkpoint the serving engines load. See docs/training.md for the formulas.
 *
 * <p>One trainer is used by one thread at a time. DJL allows one open {@link GradientCollector} per process, so the
 * forward/backward of each step holds a process-wide lock: trainers in one process interleave their steps rather than
 * fail. {@link #train} may be called once per trainer.
 */
public final class DecoderTrainer implements AutoCloseable {
    /** DJL's PyTorch collector refuses a second concurrent collector anywhere in the process. */
    private static final Object COLLECTOR = new Object();
    /** The intra-op thread count this thread was given by a trainer (0: none), so it is set once per thread. */
    private static final ThreadLocal<Integer> THREADS_SET = ThreadLocal.withInitial(() -> 0);

    private final Path source;
    private final TrainingSettings settings;
    private final NDManager manager;
    private final TrainableLlama model;
    private boolean trained;
    private boolean closed;

    private DecoderTrainer(Path source, TrainingSettings settings, NDManager manager, TrainableLlama model) {
        this.source = source;
        this.settings = settings;
        this.manager = manager;
        this.model = model;
    }

    /**
     * Loads {@code checkpointDir} (config.json and safetensors) as float32 on the settings' device.
     *
     * @throws IllegalArgumentException for an unsupported architecture or an unusable device
     */
    public static DecoderTrainer open(Path checkpointDir, TrainingSettings settings) throws IOException {
        return open(checkpointDir, settings, DataType.FLOAT32);
    }

    /** {@link #open} in {@code dtype}: FLOAT64 serves the gradient checks. */
    static DecoderTrainer open(Path checkpointDir, TrainingSettings settings, DataType dtype) throws IOException {
        HfModelConfig config = HfModelConfig.load(checkpointDir);
        TrainableLlama.check(config);
        Engine engine = PtRuntime.engine();
        Device device = PtRuntime.device(settings.device());
        PtRuntime.requireUsable(device);
        NDManager manager = engine.newBaseManager(device);
        try (SafeTensors st = SafeTensors.open(checkpointDir)) {
            TrainableLlama model = TrainableLlama.load(st, config, manager, device, dtype, settings);
            return new DecoderTrainer(checkpointDir, settings, manager, model);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Runs {@code epochs} passes over {@code data}: each epoch shuffled (a {@link Random} seeded with the settings'
     * seed, drawn on across epochs), cut into batches of {@code batchSize} (the last may be smaller), one AdamW step
     * per batch. Returns early, after the step in flight, once {@link TrainingMonitor#stopRequested} says so.
     *
     * @throws IllegalArgumentException  for empty data, a token outside the vocabulary or a sequence too long
     * @throws IllegalStateException     when called a second time
     * @throws TrainingDivergedException when a step's loss or gradients are not finite: thrown before that step's
     *                                   update and before the monitor hears of it, so the weights stay finite
     */
    public TrainingOutcome train(List<TrainingSequence> data, TrainingMonitor monitor) {
        requireOpen();
        useTrainingThreads();
        if (trained) {
            throw new IllegalStateException("train() was already called on this trainer");
        }
        trained = true;
        requireData(data);
        for (TrainingSequence s : data) { // fail before the first step, not in the middle of an epoch
            Batch.of(List.of(s), model.config.vocabSize(), model.maxTokens());
        }
        int perEpoch = (data.size() + settings.batchSize() - 1) / settings.batchSize();
        int total = Math.multiplyExact(settings.epochs(), perEpoch);
        LinearWarmupSchedule schedule = new LinearWarmupSchedule(settings.warmupSteps(), total);
        Random shuffle = new Random(settings.seed());
        List<TrainingSequence> order = new ArrayList<>(data);
        long start = System.nanoTime();
        int step = 0;
        try (NDManager state = manager.newSubManager()) {
            AdamW optimizer = new AdamW(model.trainable, settings.weightDecay(), state);
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                Collections.shuffle(order, shuffle);
                double lossSum = 0;
                long outputs = 0;
                for (int from = 0; from < order.size(); from += settings.batchSize()) {
                    if (monitor.stopRequested()) {
                        return new TrainingOutcome(true, step, epoch - 1);
                    }
                    Batch batch = Batch.of(order.subList(from, Math.min(order.size(), from + settings.batchSize())),
                            model.config.vocabSize(), model.maxTokens());
                    double lr = settings.learningRate() * schedule.factor(step);
                    double loss = step(batch, optimizer, lr, step + 1, epoch);
                    step++;
                    lossSum += loss * batch.outputTokens();
                    outputs += batch.outputTokens();
                    monitor.step(new StepProgress(step, epoch, total, loss, batch.tokens(), System.nanoTime() - start));
                }
                monitor.epochEnd(epoch, lossSum / outputs);
            }
        }
        return new TrainingOutcome(false, step, settings.epochs());
    }

    /**
     * Forward, backward and one optimizer update; returns the batch's loss. A loss or a gradient that is not finite
     * stops here, before the update: one NaN or infinite gradient would make every weight it reaches NaN for good.
     */
    private double step(Batch batch, AdamW optimizer, double lr, int stepNumber, int epoch) {
        try (NDManager sm = manager.newSubManager()) {
            double loss;
            synchronized (COLLECTOR) {
                try (GradientCollector gc = PtRuntime.engine().newGradientCollector()) {
                    NDArray l = model.loss(batch, sm);
                    gc.backward(l);
                    loss = l.toType(DataType.FLOAT64, false).getDouble();
                }
            }
            boolean grad = JniUtils.isGradMode(); // thread-local in libtorch
            JniUtils.setGradMode(false);
            try {
                if (!Double.isFinite(loss)) {
                    throw new TrainingDivergedException("the training loss of step " + stepNumber + " (epoch " + epoch
                            + ") is " + loss + ", not a finite number", stepNumber, epoch, loss);
                }
                double largest = optimizer.largestGradient(sm);
                if (!Double.isFinite(largest)) {
                    throw new TrainingDivergedException("the gradients of step " + stepNumber + " (epoch " + epoch
                            + ") are not finite numbers (largest magnitude " + largest + ")", stepNumber, epoch, loss);
                }
                optimizer.step(lr, sm);
            } finally {
                JniUtils.setGradMode(grad);
            }
            return loss;
        }
    }

    /**
     * Mean cross-entropy per output token over {@code data}, without gradients, in batches of {@code batchSize}.
     *
     * @throws TrainingDivergedException when the mean is not a finite number
     */
    public double meanLoss(List<TrainingSequence> data) {
        requireOpen();
        useTrainingThreads();
        requireData(data);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            double sum = 0;
            long outputs = 0;
            for (int from = 0; from < data.size(); from += settings.batchSize()) {
                Batch batch = Batch.of(data.subList(from, Math.min(data.size(), from + settings.batchSize())),
                        model.config.vocabSize(), model.maxTokens());
                try (NDManager sm = manager.newSubManager()) {
                    sum += model.loss(batch, sm).toType(DataType.FLOAT64, false).getDouble() * batch.outputTokens();
                }
                outputs += batch.outputTokens();
            }
            double mean = sum / outputs;
            if (!Double.isFinite(mean)) {
                throw new TrainingDivergedException("the mean loss over " + data.size() + " sequences is " + mean
                        + ", not a finite number", 0, 0, mean);
            }
            return mean;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /**
     * Writes the model, adapters merged ({@code W + (alpha / r) · B · A}), as a float32 checkpoint directory under
     * the source's tensor names; a tied output head stays tied (only the embeddings are stored unless the source
     * stored {@code lm_head.weight} too). {@code target} must not exist; it appears complete or not at all.
     *
     * @throws java.nio.file.FileAlreadyExistsException when {@code target} exists
     */
    public void writeMerged(Path target) throws IOException {
        requireOpen();
        Map<String, SafeTensorsWriter.Tensor> out = new LinkedHashMap<>();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager sm = manager.newSubManager()) {
            Map<String, NDArray> merged = new LinkedHashMap<>(model.checkpointTensors);
            for (TrainableLlama.Layer l : model.layers) {
                for (Projection p : l.projections()) {
                    NDArray w = p.merged();
                    if (w != p.weight()) {
                        w.attach(sm);
                    }
                    merged.put(p.name() + ".weight", w);
                }
            }
            if (model.sourceHasHead && model.tied) {
                merged.put("lm_head.weight", model.embed); // stored by the source though tied: keep it consistent
            }
            for (Map.Entry<String, NDArray> e : merged.entrySet()) {
                out.put(e.getKey(), new SafeTensorsWriter.Tensor(e.getValue().getShape().getShape(), floats(e.getValue(), sm)));
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        MergedCheckpoint.write(source, target, out);
    }

    private static float[] floats(NDArray a, NDManager sm) {
        NDArray cpu = a.toDevice(Device.cpu(), false);
        NDArray f = cpu.toType(DataType.FLOAT32, false);
        if (cpu != a) {
            cpu.attach(sm);
        }
        if (f != cpu) {
            f.attach(sm);
        }
        return f.toFloatArray();
    }

    /** Elements the optimizer updates. */
    public long trainableParameters() {
        long n = 0;
        for (Parameter p : model.trainable) {
            n += p.size();
        }
        return n;
    }

    /** The trainable tensors in order (tests). */
    List<Parameter> parameters() {
        return Collections.unmodifiableList(model.trainable);
    }

    /** The mean loss of one batch and the gradients it leaves on every trainable tensor, zeroed first (tests). */
    double lossAndGradients(List<TrainingSequence> batch) {
        for (Parameter p : model.trainable) {
            if (p.value().hasGradient()) {
                JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.value());
            }
        }
        Batch b = Batch.of(batch, model.config.vocabSize(), model.maxTokens());
        try (NDManager sm = manager.newSubManager()) {
            synchronized (COLLECTOR) {
                try (GradientCollector gc = PtRuntime.engine().newGradientCollector()) {
                    NDArray l = model.loss(b, sm);
                    gc.backward(l);
                    return l.toType(DataType.FLOAT64, false).getDouble();
                }
            }
        }
    }

    private static void requireData(List<TrainingSequence> data) {
        if (data == null || data.isEmpty()) {
            throw new IllegalArgumentException("no training sequences");
        }
    }

    /** The settings' thread count on the thread that runs the steps, without touching serving threads. */
    private void useTrainingThreads() {
        if (settings.threads() > 0 && THREADS_SET.get() != settings.threads()) {
            PtRuntime.applyIntraOpThreadsToThisThread(settings.threads());
            THREADS_SET.set(settings.threads());
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("trainer is closed");
        }
    }

    /** Frees every tensor; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
