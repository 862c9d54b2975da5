package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.KvCacheFullException;

import java.nio.ByteBuffer;

/**
 * The KV pool of an {@link OrtDecoderModel} driving per-sequence buffers (exported graphs, built graphs of the
 * {@code standard} variant): an admission budget of {@link EngineOptions#resolveKvCacheTokens} tokens that each
 * sequence reserves from, and the free list of direct cache buffers that sequences grow into. Memory is allocated as
 * sequences grow, not at reservation. Not thread-safe: it is only used under the model's lock.
 */
final class ExportedKvPool {
    private final DecoderGraph graph;
    /** Total tokens sequences may reserve. */
    final long tokens;
    private final DirectBuffers buffers;
    private long reservedTokens;
    /** Open sequences (reserved, not yet released). */
    private int liveSequences;

    ExportedKvPool(DecoderGraph graph, int capacity, long tokens) {
        this.graph = graph;
        this.tokens = tokens;
        // keep up to two full sequences' worth of free cache buffers for reuse
        this.buffers = new DirectBuffers(2L * capacity * graph.bytesPerToken());
    }

    long freeTokens() {
        return tokens - reservedTokens;
    }

    int liveSequences() {
        return liveSequences;
    }

    /**
     * A new empty sequence of {@code owner} holding {@code reserved} tokens of the pool (the caller checked it against
     * the sequence capacity).
     *
     * @throws KvCacheFullException when the pool has fewer tokens free
     */
    OrtSequence reserve(OrtDecoderModel owner, int reserved) {
        if (reserved > freeTokens()) {
            throw new KvCacheFullException("KV pool has " + freeTokens() + " of " + tokens
                    + " tokens free, " + reserved + " requested");
        }
        reservedTokens += reserved;
        liveSequences++;
        return new OrtSequence(owner, reserved, graph.slots().size());
    }

    /** Copies {@code src}'s live caches into new buffers of the empty {@code copy} (its length is the caller's). */
    void copyCaches(OrtSequence src, OrtSequence copy) {
        for (int i = 0; i < src.kv.length; i++) {
            if (src.kv[i] != null && src.length > 0) {
                long fpt = graph.floatsPerToken(graph.slots().get(i));
                copy.kv[i] = buffers.take(fpt * src.length * Float.BYTES, preferredBytes(copy, src.length, fpt));
                DirectBuffers.copyFloats(src.kv[i], 0, copy.kv[i], 0, fpt * src.length);
            }
        }
    }

    /** Returns a closed sequence's reservation, and its buffers to the free list unless the model is closed. */
    void release(OrtSequence seq, boolean modelClosed) {
        reservedTokens -= seq.reserved;
        liveSequences--;
        for (int i = 0; i < seq.kv.length; i++) {
            if (!modelClosed) {
                buffers.give(seq.kv[i]);
            }
            seq.kv[i] = null;
        }
    }

    /** A cache buffer of at least {@code minBytes}, from the free list when one fits. */
    ByteBuffer take(long minBytes, long preferredBytes) {
        return buffers.take(minBytes, preferredBytes);
    }

    /** Puts a buffer (or {@code null}, ignored) back on the free list. */
    void give(ByteBuffer buffer) {
        buffers.give(buffer);
    }

    /** Buffer size to ask for when a sequence grows to {@code tokens}: room for half as many again, up to its cap. */
    static long preferredBytes(OrtSequence seq, int tokens, long floatsPerToken) {
        long want = Math.max(tokens, Math.min(seq.reserved, Math.max(64, tokens + tokens / 2L)));
        return want * floatsPerToken * Float.BYTES;
    }

    /** Drops the free list (the model is closing). */
    void clear() {
        buffers.clear();
    }
}
