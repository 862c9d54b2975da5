package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Finds out at load, with a few runs of a handful of tokens, what an exported graph's attention allows
 * {@link ExportedGraphRunner} to batch: whether it appends several tokens to a non-empty past correctly, and whether
 * decode rows may be left-padded. Padded and chunked runs are compared with unpadded single-token runs of the same
 * tokens, so a graph whose attention op mishandles left padding falls back to exact grouping instead of giving wrong
 * logits. Leaves no sequence or reservation behind.
 */
final class CapabilityProbe {
    /** Same category as before the model was split into parts, so logging settings keep applying. */
    private static final Logger log = LoggerFactory.getLogger(OrtDecoderModel.class);
    /** Probe logits agree when within this fraction of their largest magnitude (padding bugs differ by O(1)). */
    private static final double PROBE_TOLERANCE = 1e-3;

    private final OrtDecoderModel owner;
    private final ExportedKvPool pool;
    private final ExportedGraphRunner runner;
    private final Path graphFile;
    private final int vocab;

    private CapabilityProbe(OrtDecoderModel owner, ExportedKvPool pool, ExportedGraphRunner runner,
                            DecoderSession steps) {
        this.owner = owner;
        this.pool = pool;
        this.runner = runner;
        this.graphFile = steps.graphFile;
        this.vocab = steps.vocab;
    }

    /**
     * Sets {@code runner}'s {@link ExportedGraphRunner#multiTokenWithPast} and {@link ExportedGraphRunner#leftPadding}
     * from probe runs over sequences of {@code owner} (needs a capacity of 3 tokens; with less, both stay off).
     */
    static void run(OrtDecoderModel owner, int capacity, ExportedKvPool pool, ExportedGraphRunner runner,
                    DecoderSession steps) {
        if (capacity < 3) {
            return;
        }
        new CapabilityProbe(owner, pool, runner, steps).probe(steps.graph.attentionMask() != null);
    }

    private void probe(boolean hasMask) {
        int[] t = new int[5];
        for (int i = 0; i < t.length; i++) {
            t[i] = (int) ((1L + 7919L * (i + 1)) % vocab);
        }
        try (OrtSession.RunOptions quiet = new OrtSession.RunOptions()) {
            quiet.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            runner.runOptions = quiet;
            runner.multiTokenWithPast = probeChunkOnPast(t);
            runner.leftPadding = hasMask && probeLeftPadding(t);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create ONNX Runtime run options: " + e.getMessage(), e);
        } finally {
            runner.runOptions = null;
        }
    }

    private OrtSequence reserve() {
        return pool.reserve(owner, 3);
    }

    private float[] run(OrtSequence q, int id) {
        return runner.run(new OrtSequence[] {q}, new int[][] {{id}})[0];
    }

    private boolean probeChunkOnPast(int[] t) {
        try (OrtSequence a = reserve(); OrtSequence b = reserve()) {
            run(a, t[0]);
            float[] chunk;
            try {
                chunk = runner.run(new OrtSequence[] {a}, new int[][] {{t[1], t[2]}})[0];
            } catch (IllegalStateException e) {
                log.debug("{}: several new tokens on a past fail, feeding them one at a time: {}",
                        graphFile.getFileName(), e.getMessage());
                return false;
            }
            for (int id : new int[] {t[0], t[1]}) {
                run(b, id);
            }
            float[] ref = run(b, t[2]);
            return agrees(ref, chunk, "a multi-token chunk on a past");
        }
    }

    private boolean probeLeftPadding(int[] t) {
        try (OrtSequence c = reserve(); OrtSequence d = reserve(); OrtSequence cAlone = reserve();
             OrtSequence dAlone = reserve()) {
            for (OrtSequence q : new OrtSequence[] {c, cAlone}) {
                run(q, t[0]);
                run(q, t[1]);
            }
            for (OrtSequence q : new OrtSequence[] {d, dAlone}) {
                run(q, t[2]);
            }
            float[] refC = run(cAlone, t[3]);
            float[] refD = run(dAlone, t[4]);
            float[][] batched;
            try {
                batched = runner.run(new OrtSequence[] {c, d}, new int[][] {{t[3]}, {t[4]}});
            } catch (IllegalStateException e) {
                log.debug("{}: left-padded batch fails, grouping decode rows by length: {}",
                        graphFile.getFileName(), e.getMessage());
                return false;
            }
            return agrees(refC, batched[0], "left padding") && agrees(refD, batched[1], "left padding");
        }
    }

    private boolean agrees(float[] expected, float[] actual, String what) {
        double scale = 1;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= diff)) { // also catches NaN
                diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        boolean ok = diff <= PROBE_TOLERANCE * scale;
        if (!ok) {
            log.info("{}: {} changes the logits (max |diff| {}), not using it", graphFile.getFileName(), what, diff);
        }
        return ok;
    }
}
