package dev.localbedrock.engines.synthetic;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JSON files of a Hugging Face Llama checkpoint directory ({@code config.json}, {@code generation_config.json},
 * {@code tokenizer_config.json}), written the one way both random checkpoints use: the smoke-test model here and the
 * benchmark-size models of {@code benchmarks/}. One writer, so the two cannot drift in what a loader reads.
 */
public final class LlamaCheckpointFiles {
    public static final double RMS_NORM_EPS = 1e-6;
    public static final double ROPE_THETA = 10000.0;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private LlamaCheckpointFiles() {
    }

    /** {@code config.json} of a float32 Llama of this shape, SiLU MLP, no biases, random init of {@code initStd}. */
    public static ObjectNode config(RandomLlamaCheckpoint.Shape s, boolean tiedEmbeddings, int bosId, int eosId,
                                    double initStd) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("vocab_size", s.vocab());
        c.put("rms_norm_eps", RMS_NORM_EPS);
        c.put("rope_theta", ROPE_THETA);
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", tiedEmbeddings);
        c.put("initializer_range", initStd);
        c.put("bos_token_id", bosId);
        c.put("eos_token_id", eosId);
        c.put("torch_dtype", "float32");
        return c;
    }

    /** {@code generation_config.json}: the special token ids. */
    public static ObjectNode generationConfig(int bosId, int eosId) {
        ObjectNode gen = JSON.createObjectNode();
        gen.put("bos_token_id", bosId);
        gen.put("eos_token_id", eosId);
        return gen;
    }

    /** {@code tokenizer_config.json} of a fast tokenizer that adds BOS and not EOS. */
    public static ObjectNode tokenizerConfig(int maxPositions) {
        ObjectNode c = JSON.createObjectNode();
        c.put("add_bos_token", true);
        c.put("add_eos_token", false);
        c.put("bos_token", "<s>");
        c.put("eos_token", "</s>");
        c.put("unk_token", "<unk>");
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", maxPositions);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    /** Writes {@code node} pretty-printed with two-space indents and a final newline, as Hugging Face does. */
    public static void writeJson(Path file, ObjectNode node) throws IOException {
        String text = JSON.writer(PRETTY).writeValueAsString(node) + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
