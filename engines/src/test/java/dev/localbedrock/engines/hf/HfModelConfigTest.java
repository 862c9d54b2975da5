package dev.localbedrock.engines.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTinyLlama() throws IOException {
        HfModelConfig c = HfModelConfig.load(TestModels.tinyLlama());
        assertEquals("llama", c.modelType());
        assertEquals(16, c.hiddenSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(1, c.numAttentionHeads());
        assertEquals(1, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(64, c.intermediateSize());
        assertEquals(1e-6, c.rmsNormEps(), 1e-12);
        assertEquals(10000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(32000, c.vocabSize());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(1, c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenIds());
        assertEquals(Boolean.TRUE, c.addBosToken());
        assertEquals("<s>", c.bosToken());
        assertEquals("</s>", c.eosToken());
    }

    @Test
    void appliesDefaultsAndMergesEosLists() throws IOException {
        HfModelConfig c = HfModelConfig.parse(JSON.readTree("{\"model_type\":\"llama\",\"hidden_size\":64,"
                        + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"intermediate_size\":128,"
                        + "\"vocab_size\":100,\"eos_token_id\":[5,6],"
                        + "\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}}"),
                JSON.readTree("{\"eos_token_id\":7,\"bos_token_id\":3}"), MissingNode.getInstance());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(List.of(5, 6, 7), c.eosTokenIds());
        assertEquals(3, c.bosTokenId());
        assertEquals(-1, c.padTokenId());
        assertNull(c.addBosToken());
        assertEquals("linear", c.ropeScaling().type());
        assertEquals(2.0, c.ropeScaling().factor());
    }

    @Test
    void readsLlama3StyleRopeScalingAndGpt2Aliases() throws IOException {
        HfModelConfig l3 = HfModelConfig.parse(JSON.readTree("{\"model_type\":\"llama\",\"rope_scaling\":{"
                        + "\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                        + "\"original_max_position_embeddings\":8192}}"), MissingNode.getInstance(),
                JSON.readTree("{\"bos_token\":{\"content\":\"<|begin_of_text|>\"}}"));
        assertEquals("llama3", l3.ropeScaling().type());
        assertEquals(8192.0, l3.ropeScaling().number("original_max_position_embeddings", 0));
        assertEquals("<|begin_of_text|>", l3.bosToken());

        HfModelConfig gpt2 = HfModelConfig.load(TestModels.tinyGpt2());
        assertEquals("gpt2", gpt2.modelType());
        assertEquals(32, gpt2.hiddenSize());
        assertEquals(5, gpt2.numHiddenLayers());
        assertEquals(4, gpt2.numAttentionHeads());
        assertEquals(1000, gpt2.vocabSize());
        assertTrue(gpt2.tieWordEmbeddings());
    }
}
