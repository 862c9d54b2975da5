package dev.localbedrock.engines.pytorch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.localbedrock.engines.hf.HfModelConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotaryTablesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HfModelConfig config(String ropeScaling) throws IOException {
        return HfModelConfig.parse(JSON.readTree("{\"model_type\":\"llama\",\"hidden_size\":64,"
                + "\"num_attention_heads\":4,\"max_position_embeddings\":8192"
                + (ropeScaling == null ? "" : ",\"rope_scaling\":" + ropeScaling) + "}"),
                MissingNode.getInstance(), MissingNode.getInstance());
    }

    @Test
    void defaultFrequenciesAndRotateHalfLayout() throws IOException {
        float[] inv = RotaryTables.inverseFrequencies(config(null));
        assertEquals(8, inv.length);
        assertEquals(1.0f, inv[0]);
        assertEquals((float) (1 / Math.pow(10000, 2.0 / 16)), inv[1], 1e-7);
        RotaryTables t = RotaryTables.build(config(null), 4);
        for (int i = 0; i < 8; i++) {
            assertEquals(t.cos[3 * 16 + i], t.cos[3 * 16 + i + 8]); // both halves share a frequency
            assertEquals((float) Math.sin(3 * inv[i]), t.sin[3 * 16 + i]);
        }
        assertEquals(1.0f, t.cos[0]);
    }

    @Test
    void linearScalingDividesFrequencies() throws IOException {
        float[] plain = RotaryTables.inverseFrequencies(config(null));
        float[] scaled = RotaryTables.inverseFrequencies(config("{\"type\":\"linear\",\"factor\":4.0}"));
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i] / 4f, scaled[i]);
        }
    }

    @Test
    void llama3ScalingKeepsHighAndScalesLowFrequencies() throws IOException {
        float[] plain = RotaryTables.inverseFrequencies(config(null));
        float[] scaled = RotaryTables.inverseFrequencies(config("{\"rope_type\":\"llama3\",\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}"));
        assertEquals(plain[0], scaled[0]);
        assertEquals(plain[7] / 8f, scaled[7], 1e-12);
    }

    @Test
    void dynamicScalingKeepsTheTrainedContextAndGrowsTheBaseBeyondIt() throws IOException {
        HfModelConfig c = config("{\"type\":\"dynamic\",\"factor\":2.0}");
        RotaryTables plain = RotaryTables.build(config(null), 8192 + 4);
        RotaryTables t = RotaryTables.build(c, 8192 + 4);
        for (int i = 0; i < 16; i++) {
            assertEquals(plain.cos[8191 * 16 + i], t.cos[8191 * 16 + i]); // position 8191: context 8192, unscaled
        }
        // position 8192 is rotated with the base for a context of 8193 tokens
        double base = 10000 * Math.pow(2.0 * 8193 / 8192 - 1, 16.0 / 14);
        float f1 = RotaryTables.dynamicInverseFrequencies(c, 8193)[1];
        assertEquals(1 / Math.pow(base, 2.0 / 16), f1, 1e-7);
        assertEquals((float) Math.cos(8192 * f1), t.cos[8192 * 16 + 1]);
        assertEquals(16384, RotaryTables.maxPositions(c));
        assertEquals(8192, RotaryTables.maxPositions(config(null)));
    }

    @Test
    void unimplementedScalingFailsClearly() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> RotaryTables.inverseFrequencies(config("{\"type\":\"yarn\",\"factor\":2.0}")));
        assertTrue(e.getMessage().contains("'yarn'") && e.getMessage().contains("dynamic"), e.getMessage());
    }

    @Test
    void llama3NeedsTheHighFrequencyFactorAboveTheLowOne() {
        for (String factors : new String[] {"\"low_freq_factor\":4.0,\"high_freq_factor\":4.0",
                "\"low_freq_factor\":4.0,\"high_freq_factor\":1.0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RotaryTables.inverseFrequencies(config("{\"rope_type\":\"llama3\",\"factor\":8.0,"
                            + factors + "}")));
            assertTrue(e.getMessage().contains("high_freq_factor > low_freq_factor"), e.getMessage());
        }
    }
}
