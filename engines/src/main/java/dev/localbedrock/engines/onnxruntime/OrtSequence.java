package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.SequenceState;

import java.nio.ByteBuffer;

/**
 * One sequence's KV cache for an {@link OrtDecoderModel}. For exported graphs: per cache slot of the graph, a direct
 * buffer holding {@code planes × kvHeads × length × headDim} contiguous floats, which is exactly the batch-1
 * {@code past} tensor of the next step (so a sequence run alone feeds its cache to ONNX Runtime without a copy).
 * Buffers are taken from and returned to the model's free list; {@link #reserved} tokens of the model's pool are held
 * until {@link #close()}. For built {@code gqa-shared-kv} graphs the cache lives in the model's {@link KvArena}
 * instead, at {@link #slot} (which the arena may change between steps).
 */
final class OrtSequence implements SequenceState {
    final OrtDecoderModel owner;
    /** Tokens this sequence may hold at most; counted against the model's pool. */
    final int reserved;
    /** Per cache slot; {@code null} until the first step. */
    final ByteBuffer[] kv;
    int length;
    /** The {@link KvArena} slot holding this sequence's cache, or -1 (exported graphs, or closed). */
    int slot = -1;
    private boolean closed;

    OrtSequence(OrtDecoderModel owner, int reserved, int slots) {
        this.owner = owner;
        this.reserved = reserved;
        this.kv = new ByteBuffer[slots];
    }

    @Override
    public int length() {
        return length;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.release(this);
        }
    }

    @Override
    public String toString() {
        return "OrtSequence[length=" + length + ", reserved=" + reserved + (slot >= 0 ? ", slot=" + slot : "")
                + (closed ? ", closed" : "") + "]";
    }
}
