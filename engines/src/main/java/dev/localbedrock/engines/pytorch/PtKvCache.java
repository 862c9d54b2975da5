package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.SequenceState;

/**
 * One sequence's handle on its model's {@link PtKvPool}: which slot holds its keys and values, how many positions are
 * written, and how many it reserved. The slot may change while the sequence lives (the pool keeps occupied slots
 * packed when another sequence closes); callers never see slot numbers.
 *
 * <p>Closing returns the slot to the pool; afterwards every use, {@link #length()} included, is an
 * {@link IllegalStateException}. Closing twice is harmless, and closing after the model was closed only marks the
 * handle closed.
 */
final class PtKvCache implements SequenceState {
    final PtDecoderModel owner;
    /** Tokens this sequence may hold at most (its reservation, at most the slot size). */
    final int limit;
    /** Index of the pool slot holding this sequence's keys and values; maintained by the pool. */
    int slot;
    private int length;
    private boolean closed;

    PtKvCache(PtDecoderModel owner, int slot, int limit) {
        this.owner = owner;
        this.slot = slot;
        this.limit = limit;
    }

    @Override
    public int length() {
        requireOpen();
        return length;
    }

    /** The length without the open check, for the owner's bookkeeping. */
    int cachedLength() {
        return length;
    }

    void setLength(int length) {
        this.length = length;
    }

    boolean isClosed() {
        return closed;
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("sequence is closed");
        }
    }

    /** Marks the handle closed without touching the pool; the owner calls this when it takes the slot back. */
    void markClosed() {
        closed = true;
    }

    @Override
    public void close() {
        if (!closed) {
            owner.release(this);
        }
    }

    @Override
    public String toString() {
        return "PtKvCache[slot " + slot + ", length " + length + "/" + limit + (closed ? ", closed" : "") + "]";
    }
}
