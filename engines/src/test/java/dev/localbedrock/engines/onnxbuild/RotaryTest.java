package dev.localbedrock.engines.onnxbuild;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.localbedrock.engines.hf.HfModelConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotaryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HfModelConfig config(String ropeScaling) throws IOException {
        return HfModelConfig.parse(JSON.readTree("{\"model_type\":\"llama\",\"hidden_size\":64,"
                + "\"num_attention_heads\":4,\"max_position_embeddings\":8192"
                + (ropeScaling == null ? "" : ",\"rope_scaling\":" + ropeScaling) + "}"),
                MissingNode.getInstance(), MissingNode.getInstance());
    }

    @Test
    void llama3NeedsTheHighFrequencyFactorAboveTheLowOneBeforeAnyTableIsBuilt() throws IOException {
        HfModelConfig equal = config("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":2.0,"
                + "\"high_freq_factor\":2.0}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rotary.check(equal, 16));
        assertTrue(e.getMessage().contains("high_freq_factor > low_freq_factor"), e.getMessage());
        assertEquals("llama3", Rotary.check(config("{\"rope_type\":\"llama3\",\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0}"), 16));
    }

    @Test
    void scalingFactorsBelowOneAreRejected() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rotary.check(config("{\"type\":\"linear\",\"factor\":0.5}"), 16));
        assertTrue(e.getMessage().contains("factor >= 1"), e.getMessage());
    }

    @Test
    void tablesRepeatTheHalfOnlyForThePlainOpLayout() throws IOException {
        float[] inv = Rotary.inverseFrequencies(config(null));
        float[][] half = Rotary.tables(inv, 3, true);
        float[][] full = Rotary.tables(inv, 3, false);
        assertEquals(3 * 8, half[0].length);
        assertEquals(3 * 16, full[0].length);
        for (int i = 0; i < 8; i++) {
            assertEquals((float) Math.cos(2 * inv[i]), half[0][2 * 8 + i]);
            assertEquals(half[1][2 * 8 + i], full[1][2 * 16 + i]);
            assertEquals(half[1][2 * 8 + i], full[1][2 * 16 + i + 8]);
        }
    }
}
