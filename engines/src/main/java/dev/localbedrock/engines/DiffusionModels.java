package dev.localbedrock.engines;

import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.onnxruntime.OrtDiffusionModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Loads text-to-image diffusion models, so the runtime never names engine classes. */
public final class DiffusionModels {
    private DiffusionModels() {
    }

    /** {@link #load(Path, String, EngineOptions)} with the default options. */
    public static DiffusionModel load(Path exportDir, String device) {
        return load(exportDir, device, null);
    }

    /**
     * Loads a diffusers ONNX export of an SDXL pipeline ({@code model_index.json}, {@code scheduler/},
     * {@code tokenizer/}, {@code tokenizer_2/}, {@code text_encoder/}, {@code text_encoder_2/}, {@code unet/},
     * {@code vae_decoder/}) on ONNX Runtime.
     *
     * @param device  {@code cpu}, {@code cuda} or {@code cuda:N}
     * @param options only {@link EngineOptions#intraOpThreads()} applies; {@code null} means the defaults
     * @throws IllegalArgumentException when the export's parts do not fit together or the device is unknown
     * @throws UncheckedIOException     naming the file when one is missing or unreadable
     */
    public static DiffusionModel load(Path exportDir, String device, EngineOptions options) {
        int threads = options == null ? 0 : options.intraOpThreads();
        try {
            return OrtDiffusionModel.load(exportDir, device,
                    new OrtDiffusionModel.Options(threads, OrtDiffusionModel.Options.defaults().vaeBatchSize()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load diffusion model from " + exportDir + ": " + e.getMessage(), e);
        }
    }
}
