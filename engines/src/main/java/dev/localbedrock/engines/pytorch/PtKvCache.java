package dev.localbedrock.engines.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.localbedrock.engines.SequenceState;

/**
 * One sequence's keys and values, preallocated at full capacity so a step writes its new positions in place (one
 * slice write per layer and tensor) and reads the prefix as a view: nothing is concatenated or copied as the sequence
 * grows.
 *
 * <p>Layout per layer: {@code [kvHeads, capacity, headDim]}, so the live prefix {@code [:, :length, :]} is a strided
 * view that batched matmuls read directly. The tensors are uninitialised ({@code torch.empty}); only positions below
 * {@link #length()} are ever read. They live in a sub-manager of the model's, so closing the model frees every cache.
 */
final class PtKvCache implements SequenceState {
    final PtLlamaModel owner;
    final int capacity;
    /** Per layer {@code [kvHeads, capacity, headDim]}. */
    final NDArray[] keys;
    /** Per layer {@code [kvHeads, capacity, headDim]}. */
    final NDArray[] values;
    private final NDManager manager;
    private int length;
    private boolean closed;

    PtKvCache(PtLlamaModel owner, NDManager modelManager, int layers, int kvHeads, int capacity, int headDim) {
        this.owner = owner;
        this.capacity = capacity;
        this.manager = modelManager.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(kvHeads, capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.create(shape, DataType.FLOAT32);
            values[l] = manager.create(shape, DataType.FLOAT32);
        }
    }

    @Override
    public int length() {
        return length;
    }

    /** Records that {@code n} more positions were written. */
    void advance(int n) {
        length += n;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
