package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DiffusionModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files of an export are checked before any session opens, and the first missing one is named. */
class OrtDiffusionLoadErrorsTest {

    private static final List<String> FILES = List.of("model_index.json", "tokenizer/vocab.json",
            "tokenizer/merges.txt", "tokenizer_2/vocab.json", "tokenizer_2/merges.txt",
            "scheduler/scheduler_config.json", "text_encoder/model.onnx", "text_encoder_2/model.onnx",
            "unet/model.onnx", "vae_decoder/model.onnx");

    private static void layout(Path root, String except) throws IOException {
        for (String file : FILES) {
            if (!file.equals(except)) {
                Path p = root.resolve(file);
                Files.createDirectories(p.getParent());
                Files.writeString(p, file.endsWith(".json") ? "{}" : "");
            }
        }
    }

    @Test
    void eachMissingFileIsNamed(@TempDir Path tmp) throws IOException {
        for (String missing : FILES) {
            Path root = tmp.resolve(missing.replace('/', '_'));
            layout(root, missing);
            NoSuchFileException e = assertThrows(NoSuchFileException.class,
                    () -> OrtDiffusionModel.load(root, "cpu", OrtDiffusionModel.Options.defaults()), missing);
            assertEquals(root.resolve(missing).toString(), e.getFile());
            assertTrue(e.getMessage().contains("missing from the SDXL ONNX export"), e.getMessage());
        }
    }

    @Test
    void theFacadeWrapsItWithTheFileName(@TempDir Path tmp) throws IOException {
        layout(tmp, "unet/model.onnx");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> DiffusionModels.load(tmp, "cpu"));
        assertInstanceOf(NoSuchFileException.class, e.getCause());
        assertTrue(e.getMessage().contains(tmp.resolve("unet").resolve("model.onnx").toString()), e.getMessage());
    }

    @Test
    void aDirectoryThatIsNotThereIsNamed(@TempDir Path tmp) {
        Path absent = tmp.resolve("absent");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> OrtDiffusionModel.load(absent, "cpu", OrtDiffusionModel.Options.defaults()));
        assertEquals(absent.toString(), e.getFile());
    }
}
