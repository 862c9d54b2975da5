package dev.localbedrock.engines.hf;

import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    private static Map<String, SafeTensorsWriter.Tensor> sample() {
        Map<String, SafeTensorsWriter.Tensor> m = new LinkedHashMap<>();
        m.put("b.weight", new SafeTensorsWriter.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
        m.put("a.bias", new SafeTensorsWriter.Tensor(new long[] {3}, new float[] {0.25f, Float.MIN_VALUE, -0f}));
        return m;
    }

    @Test
    void writerOutputReadsBackAndIsDeterministic() throws IOException {
        Path f1 = tmp.resolve("one.safetensors");
        Path f2 = tmp.resolve("two.safetensors");
        SafeTensorsWriter.write(f1, sample());
        Map<String, SafeTensorsWriter.Tensor> reversed = new LinkedHashMap<>();
        reversed.put("a.bias", sample().get("a.bias"));
        reversed.put("b.weight", sample().get("b.weight"));
        SafeTensorsWriter.write(f2, reversed);
        assertArrayEquals(Files.readAllBytes(f1), Files.readAllBytes(f2));

        byte[] bytes = Files.readAllBytes(f1);
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLen % 8);
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);

        try (SafeTensors st = SafeTensors.open(f1)) {
            assertEquals(java.util.Set.of("a.bias", "b.weight"), st.names());
            assertEquals("pt", st.metadata().get("format"));
            TensorInfo info = st.info("b.weight");
            assertEquals(DType.F32, info.dtype());
            assertArrayEquals(new long[] {2, 3}, info.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, st.floats("b.weight", 2, 3));
            assertArrayEquals(new float[] {0.25f, Float.MIN_VALUE, -0f}, st.floats("a.bias"));
        }
    }

    @Test
    void clearErrorsNameTheTensor() throws IOException {
        Path f = tmp.resolve("m.safetensors");
        SafeTensorsWriter.write(f, sample());
        try (SafeTensors st = SafeTensors.open(f)) {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> st.floats("nope.weight"));
            assertTrue(missing.getMessage().contains("nope.weight"), missing.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> st.floats("b.weight", 3, 2));
            assertTrue(shape.getMessage().contains("b.weight") && shape.getMessage().contains("[3, 2]"),
                    shape.getMessage());
        }
    }

    @Test
    void convertsHalfPrecisionAndRejectsIntegers() throws IOException {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
        // BF16: 1.0 = 0x3F80, -3.0 = 0xC040
        ByteBuffer data = ByteBuffer.allocate(8 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF).putShort((short) 0x0001);
        data.putShort((short) 0x3F80).putShort((short) 0xC040);
        data.putLong(42L);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]}}";
        Path f = rawFile("mixed.safetensors", header, data.array());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1.0p-24f}, st.floats("h"));
            assertArrayEquals(new float[] {1f, -3f}, st.floats("b"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.floats("i"));
            assertTrue(e.getMessage().contains("'i'") && e.getMessage().contains("I64"), e.getMessage());
        }
    }

    @Test
    void rejectsInconsistentHeaders() throws IOException {
        Path f = rawFile("bad.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(f));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void opensShardedCheckpoints() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("a.bias", sample().get("a.bias")));
        SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"),
                Map.of("b.weight", sample().get("b.weight")));
        Files.writeString(dir.resolve(SafeTensors.INDEX_FILE), "{\"metadata\":{},\"weight_map\":{"
                + "\"a.bias\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
        try (SafeTensors st = SafeTensors.open(dir)) {
            assertEquals(2, st.names().size());
            assertArrayEquals(sample().get("b.weight").data(), st.floats("b.weight"));
            assertTrue(st.info("a.bias").file().endsWith("model-00001-of-00002.safetensors"));
        }
    }

    @Test
    void readsTheSharedLlamaCheckpoint() throws IOException {
        try (SafeTensors st = SafeTensors.open(TestModels.tinyLlama())) {
            assertTrue(st.contains("model.embed_tokens.weight"));
            assertTrue(st.contains("lm_head.weight"));
            assertFalse(st.contains("model.layers.2.mlp.up_proj.weight"));
            assertArrayEquals(new long[] {32000, 16}, st.info("model.embed_tokens.weight").shape());
            assertEquals(32000 * 16, st.floats("model.embed_tokens.weight").length);
        }
    }

    private Path rawFile(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }
}
