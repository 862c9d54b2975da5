package dev.localbedrock.engines.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins the DJL/libtorch behaviours the model relies on, so an upgrade that changes them fails here first. */
class DjlIndexingTest {

    @Test
    void int64IndexGathersRowsAndSliceWritesAreInPlace() {
        try (NDManager m = PtRuntime.engine().newBaseManager()) {
            NDArray table = m.arange(0f, 12f).reshape(4, 3);
            NDArray idx = m.create(new long[] {3, 1, 3});
            float[] expected = {9, 10, 11, 3, 4, 5, 9, 10, 11};
            assertArrayEquals(expected, table.get(idx).toFloatArray());
            assertArrayEquals(expected, JniUtils.embedding((PtNDArray) idx, (PtNDArray) table, false).toFloatArray());

            NDArray cache = m.zeros(new Shape(2, 5, 2));
            NDArray value = m.ones(new Shape(2, 2, 2));
            JniUtils.indexSet((PtNDArray) cache, (PtNDArray) value, new long[] {0, 1}, new long[] {2, 3},
                    new long[] {1, 1});
            NDArray view = JniUtils.index((PtNDArray) cache, new long[] {0, 0}, new long[] {2, 3}, new long[] {1, 1},
                    (ai.djl.pytorch.engine.PtNDManager) m);
            assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, view.toFloatArray());
        }
    }

    /** The KV pool writes all new keys of a step through a flat reshape view with one advanced index_put_. */
    @Test
    void advancedIndexPutWritesThroughAReshapeView() {
        try (NDManager m = PtRuntime.engine().newBaseManager()) {
            NDArray pool = m.zeros(new Shape(3, 2, 4, 2)); // [slots, heads, positions, hd]
            NDArray flat = pool.reshape(3 * 2 * 4, 2);
            // token 0 -> slot 2 position 1, token 1 -> slot 0 position 3; index [tokens, heads]
            long[] idx = {(2 * 2) * 4 + 1, (2 * 2 + 1) * 4 + 1, 3, 4 + 3};
            NDArray values = m.arange(1f, 9f).reshape(2, 2, 2);
            JniUtils.indexAdvPut((PtNDArray) flat, new ai.djl.ndarray.index.NDIndex("{}",
                    m.create(idx, new Shape(2, 2))), (PtNDArray) values);
            assertArrayEquals(new float[] {1, 2}, pool.get("2, 0, 1").toFloatArray());
            assertArrayEquals(new float[] {3, 4}, pool.get("2, 1, 1").toFloatArray());
            assertArrayEquals(new float[] {7, 8}, pool.get("0, 1, 3").toFloatArray());
            assertArrayEquals(new float[] {0, 0}, pool.get("1, 0, 0").toFloatArray());
            assertEquals(36f, pool.sum().getFloat(), 0f); // 1 + ... + 8 and nothing else written
        }
    }
}
