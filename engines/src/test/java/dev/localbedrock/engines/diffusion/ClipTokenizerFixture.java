package dev.localbedrock.engines.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a diffusers-style tokenizer folder (vocab.json, merges.txt, optional configs) for a test. */
final class ClipTokenizerFixture {

    /** SDXL's tokenizer_2 tokenizer_config.json as exported (the parts the tokenizer reads). */
    static final String SDXL_TOKENIZER_2_CONFIG = """
            {
              "add_prefix_space": false,
              "added_tokens_decoder": {
                "0": {"content": "!", "lstrip": false, "normalized": false, "rstrip": false,
                      "single_word": false, "special": true},
                "49406": {"content": "<|startoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                          "single_word": false, "special": true},
                "49407": {"content": "<|endoftext|>", "lstrip": false, "normalized": false, "rstrip": false,
                          "single_word": false, "special": true}
              },
              "bos_token": "<|startoftext|>",
              "clean_up_tokenization_spaces": true,
              "do_lower_case": true,
              "eos_token": "<|endoftext|>",
              "errors": "replace",
              "model_max_length": 77,
              "pad_token": "!",
              "tokenizer_class": "CLIPTokenizer",
              "unk_token": "<|endoftext|>"
            }
            """;
    static final String SDXL_TOKENIZER_2_MAP = """
            {
              "bos_token": {"content": "<|startoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false},
              "eos_token": {"content": "<|endoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false},
              "pad_token": {"content": "!", "lstrip": false, "normalized": false, "rstrip": false,
                            "single_word": false},
              "unk_token": {"content": "<|endoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false}
            }
            """;
    static final String SDXL_TOKENIZER_CONFIG = SDXL_TOKENIZER_2_CONFIG
            .replace("\"pad_token\": \"!\"", "\"pad_token\": \"<|endoftext|>\"")
            .replaceAll("\"0\": \\{[^}]*},", "");
    static final String SDXL_TOKENIZER_MAP = SDXL_TOKENIZER_2_MAP
            .replace("\"content\": \"!\", \"lstrip\": false, \"normalized\": false",
                    "\"content\": \"<|endoftext|>\", \"lstrip\": false, \"normalized\": true");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClipTokenizerFixture() {
    }

    /** Writes the folder; {@code config}/{@code map} may be null to leave that file out. */
    static Path write(Path dir, Map<String, Integer> vocab, List<String> merges, String config, String map)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n",
                StandardCharsets.UTF_8);
        if (config != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), config, StandardCharsets.UTF_8);
        }
        if (map != null) {
            Files.writeString(dir.resolve("special_tokens_map.json"), map, StandardCharsets.UTF_8);
        }
        return dir;
    }

    /** A vocabulary built from {@code token, id} pairs, plus CLIP's two markers at their real ids. */
    static Map<String, Integer> vocab(Object... tokenIdPairs) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokenIdPairs.length; i += 2) {
            vocab.put((String) tokenIdPairs[i], (Integer) tokenIdPairs[i + 1]);
        }
        vocab.put("<|startoftext|>", 49406);
        vocab.put("<|endoftext|>", 49407);
        return vocab;
    }
}
