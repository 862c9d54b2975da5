package dev.localbedrock.engines.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a trained model as a Hugging Face checkpoint directory: {@code config.json} (with {@code torch_dtype}
 * float32, the type of the written weights), the source's tokenizer and generation files, and one float32
 * {@code model.safetensors}. Everything goes to a hidden sibling directory that is renamed onto the target at the end,
 * so a crash leaves no half-written model under the target name.
 */
final class MergedCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tokenizer and generation files a serving loader may read, beyond any {@code tokenizer*} file. */
    private static final Set<String> SIDE_FILES = Set.of(HfModelConfig.GENERATION_CONFIG, "special_tokens_map.json",
            "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "spiece.model", "chat_template.json",
            "chat_template.jinja");

    private MergedCheckpoint() {
    }

    static void write(Path source, Path target, Map<String, SafeTensorsWriter.Tensor> tensors) throws IOException {
        Path dest = target.toAbsolutePath().normalize();
        if (Files.exists(dest)) {
            throw new FileAlreadyExistsException(dest.toString(), null, "will not overwrite an existing model");
        }
        Path parent = dest.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + dest.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            writeConfig(source.resolve(HfModelConfig.CONFIG), tmp.resolve(HfModelConfig.CONFIG));
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (Files.isRegularFile(f) && (name.startsWith("tokenizer") || SIDE_FILES.contains(name))) {
                        Files.copy(f, tmp.resolve(name));
                    }
                }
            }
            SafeTensorsWriter.write(tmp.resolve(SafeTensors.SINGLE_FILE), tensors);
            if (Files.exists(dest)) { // created while this one was being written
                throw new FileAlreadyExistsException(dest.toString(), null, "another writer created it first");
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    private static void writeConfig(Path from, Path to) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(from.toFile());
        if (config.has("torch_dtype")) {
            config.put("torch_dtype", "float32");
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(to.toFile(), config);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden temp directory never shadows the target name
                }
            });
        } catch (IOException ignored) {
            // nothing to clean
        }
    }
}
