package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The ONNX Runtime session of one {@link OrtDecoderModel} and what every run over it shares, whichever runner drives
 * it ({@link ArenaRunner}, {@link ExportedGraphRunner}): the reused direct buffers that ids, masks, positions and
 * logits are written into, and the counters that tests and leak checks read (session runs, OnnxTensors still open).
 * Not thread-safe: it is only used under the model's lock, like everything a step touches.
 */
final class DecoderSession {
    /** Same category as before the model was split into parts, so logging settings keep applying. */
    private static final Logger log = LoggerFactory.getLogger(OrtDecoderModel.class);

    final OrtEnvironment env;
    final OrtSession session;
    final DecoderGraph graph;
    final Path graphFile;
    final int vocab;
    /** Session runs so far (probe included), for tests that check rows really share runs. */
    long runs;
    /**
     * OnnxTensors created by a step and not yet closed: 0 between calls unless a step leaked one. One increment and
     * one decrement per tensor under the model's lock, so it costs nothing measurable; read by leak checks.
     */
    long liveTensors;

    // per-step scratch, reused (grown on demand)
    private ByteBuffer idScratch;
    private ByteBuffer maskScratch;
    private ByteBuffer positionScratch;
    private ByteBuffer logitScratch;

    DecoderSession(OrtEnvironment env, OrtSession session, DecoderGraph graph, Path graphFile) {
        this.env = env;
        this.session = session;
        this.graph = graph;
        this.graphFile = graphFile;
        this.vocab = graph.vocabSize();
    }

    /** The token-id scratch, at least {@code bytes} long. */
    ByteBuffer ids(long bytes) {
        idScratch = DirectBuffers.ensure(idScratch, bytes);
        return idScratch;
    }

    /** The attention-mask scratch, at least {@code bytes} long. */
    ByteBuffer mask(long bytes) {
        maskScratch = DirectBuffers.ensure(maskScratch, bytes);
        return maskScratch;
    }

    /** The position-id scratch, at least {@code bytes} long. */
    ByteBuffer positions(long bytes) {
        positionScratch = DirectBuffers.ensure(positionScratch, bytes);
        return positionScratch;
    }

    /** The first {@code floats} floats of the logits scratch, which a run's pinned logits output is written into. */
    FloatBuffer logits(long floats) {
        logitScratch = DirectBuffers.ensure(logitScratch, floats * Float.BYTES);
        return DirectBuffers.floats(logitScratch, 0, floats);
    }

    /** Tracks a step's tensor for the {@code finally} that closes it (see {@link #closeAll}) and counts it live. */
    OnnxTensor open(OnnxTensor tensor, List<OnnxTensor> open) {
        open.add(tensor);
        liveTensors++;
        return tensor;
    }

    void closeAll(List<OnnxTensor> open) {
        for (OnnxTensor t : open) {
            t.close();
            liveTensors--;
        }
    }

    /** Closes the session and drops the scratch buffers. */
    void close() {
        try {
            session.close();
        } catch (OrtException e) {
            log.warn("closing ONNX Runtime session of {}: {}", graphFile, e.getMessage());
        }
        idScratch = maskScratch = positionScratch = logitScratch = null;
    }
}
