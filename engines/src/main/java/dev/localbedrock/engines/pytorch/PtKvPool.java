package dev.localbedrock.engines.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.KvCacheFullException;

/**
 * A model's key/value cache, preallocated once at load and divided into equal slots, one per live sequence.
 *
 * <p><b>Layout.</b> Per layer one key and one value tensor {@code [slots, kvHeads, slotTokens, headDim]} (row-major,
 * contiguous), plus a {@code [slots · kvHeads · slotTokens, headDim]} view of each for writes. Because slot and head
 * are the two outermost dimensions, the keys of a batch whose sequences sit in consecutive slots
 * {@code [lo, lo + B)} are the plain view {@code K[lo:lo+B, :, :T]}, whose batch and head dimensions merge into one
 * ({@code stride(slot) = kvHeads · stride(head)}): {@code q · Kᵀ} and {@code p · V} run as one batched GEMM over that
 * view without libtorch copying the slice. The pool keeps occupied slots packed at {@code [0, live)} (when a sequence
 * closes, the sequence in the highest slot moves into its place: one copy of that sequence's live prefix), so a step
 * that runs every live sequence — the steady state of continuous batching — always reads the cache as views. A batch
 * whose slots form a few runs of consecutive slots attends run by run, still over views; only rows scattered over more
 * than {@link PtDecoderModel#MAX_VIEW_RUNS} runs copy their live prefix {@code [:T]} ({@code cat} of one view per run):
 * {@code B · kvHeads · T · headDim} elements per layer and tensor, never the whole pool.
 *
 * <p><b>Writes.</b> A step writes all its new keys (every row, any positions) with one in-place {@code index_put_}
 * per layer and tensor through the flat view, index {@code ((slot · kvHeads + h) · slotTokens + position)}: nothing
 * is concatenated, re-padded or copied as sequences grow.
 *
 * <p><b>Memory.</b> {@code 2 · layers · slots · kvHeads · slotTokens · headDim · bytes(dtype)}, allocated and zeroed
 * at load (positions a sequence has not written hold zeros or a former occupant's finite values, which the attention
 * mask hides; they must be finite because masked probabilities multiply them). A slot is taken whole whatever a
 * sequence reserves: {@code slots = kvCacheTokens / slotTokens} sequences fit at once. A paged layout would pack short
 * sequences tighter, but without a paged-attention kernel (DJL has none) every step would gather every row's blocks.
 *
 * <p><b>Cost</b> (2-core AVX-512 CI machine, 2 threads, float32, 110M-parameter Llama shape — hidden 768, 12 layers,
 * 12 heads — context 128, median decode step): batch 1 ≈ 20 ms (≈ 50 tokens/s), batch 16 ≈ 56–58 ms (≈ 280 tokens/s)
 * with the rows' slots read as views, of which the step's K/V writes ({@code index_put_}) are ≈ 1 ms and the attention
 * GEMMs ≈ 11 ms; batch 16 with every row in a separate run of slots (the copy path) ≈ 92–100 ms, the copies alone
 * ≈ 32 ms. The copy costs about three times the attention's own reads of the cache, which is why the pool repacks and
 * a few runs are attended separately instead.
 *
 * <p>Not thread-safe: the owning model serialises every call.
 */
final class PtKvPool {
    final int slots;
    final int slotTokens;
    final int layers;
    final int kvHeads;
    final int headDim;
    final long bytes;
    /** Per layer {@code [slots, kvHeads, slotTokens, headDim]}. */
    final NDArray[] keys;
    /** Per layer {@code [slots, kvHeads, slotTokens, headDim]}. */
    final NDArray[] values;
    /** Per layer {@code [slots · kvHeads · slotTokens, headDim]} views of {@link #keys}, for index writes. */
    final NDArray[] keysFlat;
    /** Per layer views of {@link #values}. */
    final NDArray[] valuesFlat;
    private final PtKvCache[] occupants;
    private final NDManager manager;
    private int live;

    PtKvPool(NDManager modelManager, DataType type, int layers, int kvHeads, int headDim, int slots, int slotTokens) {
        this.slots = slots;
        this.slotTokens = slotTokens;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.manager = modelManager;
        this.occupants = new PtKvCache[slots];
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.keysFlat = new NDArray[layers];
        this.valuesFlat = new NDArray[layers];
        Shape shape = new Shape(slots, kvHeads, slotTokens, headDim);
        Shape flat = new Shape((long) slots * kvHeads * slotTokens, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = modelManager.zeros(shape, type);
            values[l] = modelManager.zeros(shape, type);
            keysFlat[l] = keys[l].reshape(flat);
            valuesFlat[l] = values[l].reshape(flat);
        }
        this.bytes = bytesPerToken(layers, kvHeads, headDim, type) * slots * slotTokens;
    }

    /** Bytes one cached token costs across all layers (keys and values). */
    static long bytesPerToken(int layers, int kvHeads, int headDim, DataType type) {
        return 2L * layers * kvHeads * headDim * type.getNumOfBytes();
    }

    int live() {
        return live;
    }

    int freeSlots() {
        return slots - live;
    }

    /** Takes the lowest free slot (always {@code live}, the pool being packed) for a new sequence. */
    PtKvCache allocate(PtDecoderModel owner, int limit) {
        if (live == slots) {
            throw new KvCacheFullException("the KV cache is full: all " + slots + " slots of " + slotTokens
                    + " tokens are in use (raise kvCacheTokens, lower maxSequenceTokens, or wait for a sequence to "
                    + "finish)");
        }
        PtKvCache seq = new PtKvCache(owner, live, limit);
        occupants[live++] = seq;
        return seq;
    }

    /** Returns {@code seq}'s slot; the highest occupied slot's sequence moves into it, keeping slots packed. */
    void release(PtKvCache seq) {
        int s = seq.slot;
        if (s < 0 || s >= live || occupants[s] != seq) {
            throw new IllegalStateException("sequence " + seq + " does not hold a slot of this pool");
        }
        int last = live - 1;
        if (s != last) {
            PtKvCache moved = occupants[last];
            copyPrefix(last, s, moved.cachedLength());
            moved.slot = s;
            occupants[s] = moved;
        }
        occupants[last] = null;
        live--;
        seq.markClosed();
    }

    /** Copies positions {@code [0, length)} of every layer from slot {@code from} to slot {@code to}. */
    void copyPrefix(int from, int to, int length) {
        if (length == 0 || from == to) {
            return;
        }
        long[] step = {1, 1, 1};
        long[] dstMin = {to, 0, 0};
        long[] dstMax = {to + 1, kvHeads, length};
        try (NDManager tmp = manager.newSubManager()) {
            PtNDManager t = (PtNDManager) tmp;
            for (int l = 0; l < layers; l++) {
                for (NDArray cache : new NDArray[] {keys[l], values[l]}) {
                    PtNDArray src = JniUtils.index((PtNDArray) cache, new long[] {from, 0, 0},
                            new long[] {from + 1, kvHeads, length}, step, t);
                    JniUtils.indexSet((PtNDArray) cache, src, dstMin, dstMax, step);
                }
            }
        }
    }
}
