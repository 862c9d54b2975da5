package dev.localbedrock.benchmarks.imaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.benchmarks.load.Reports;
import dev.localbedrock.engines.DiffusionModels;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.synthetic.RandomSdxlPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code BenchTool image-steps}: seconds per denoising step and per image on a diffusers ONNX export — the generated
 * test pipeline, the 512 × 512 SD-shaped random UNet, or any real export — at several images per request.
 */
@Command(name = "image-steps", mixinStandardHelpOptions = true,
        description = "Seconds per denoising step and per image (text encoders, UNet with CFG, VAE, PNG) on an SDXL-"
                + "layout ONNX export, at several images per request (benchmarks/README.md).")
public final class ImageStepsCommand implements Callable<Integer> {
    @Option(names = "--export", description = "a diffusers ONNX export directory; written first when --shape is"
            + " given and it does not exist")
    Path export;
    @Option(names = "--shape", description = "write a random pipeline of this shape: SMOKE or SD_512")
    RandomSdxlPipeline.Shape shape;
    @Option(names = "--size", defaultValue = "1024x1024", description = "WIDTHxHEIGHT in pixels (default ${DEFAULT-VALUE})")
    String size;
    @Option(names = "--images", split = ",", defaultValue = "1,4", description = "images per request (default ${DEFAULT-VALUE})")
    List<Integer> images;
    @Option(names = "--steps", defaultValue = "30", description = "steps an image takes, for the per-image figure"
            + " (default ${DEFAULT-VALUE}: Stability's default)")
    int steps;
    @Option(names = "--warmup", defaultValue = "1", description = "unmeasured repetitions of each part (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--repeat", defaultValue = "3", description = "measured repetitions of each part (default ${DEFAULT-VALUE})")
    int repeat;
    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (default: one per core)")
    int threads;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--whole", description = "also run one whole request per image count and report its measured"
            + " seconds per image (slow for large UNets)")
    boolean whole;
    @Option(names = "--json", description = "write the results as JSON here")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (export == null) {
            System.err.println("--export DIR is required");
            return 2;
        }
        if (shape != null && !Files.exists(export)) {
            System.err.println("writing a random " + shape + " pipeline to " + export);
            RandomSdxlPipeline.write(export, shape, 20231128L);
        }
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int width = Integer.parseInt(wh[0]);
        int height = Integer.parseInt(wh[1]);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode doc = mapper.createObjectNode();
        doc.put("tool", "image-steps");
        doc.set("machine", Reports.machine());
        doc.put("export", export.toAbsolutePath().toString());
        doc.put("width", width);
        doc.put("height", height);
        doc.put("device", device);
        doc.put("threads", threads);
        doc.put("steps_per_image", steps);
        ArrayNode runs = doc.putArray("runs");
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "| images | UNet rows | encode s | s/step "
                + "| VAE s | PNG s | s/image at %d steps | measured whole |%n|---:|---:|---:|---:|---:|---:|---:|---:|%n", steps));
        long loadStart = System.nanoTime();
        try (DiffusionModel model = DiffusionModels.load(export, device,
                new EngineOptions(EngineOptions.DEFAULT_MAX_SEQUENCE_TOKENS, threads))) {
            doc.put("load_seconds", (System.nanoTime() - loadStart) / 1e9);
            System.err.println(model.info().description());
            for (int n : images) {
                ImageStepProbe.Result r = ImageStepProbe.run(model, width, height, n, warmup, repeat);
                double measured = whole ? ImageStepProbe.wholeRequestSeconds(model, width, height, n, steps) / n : -1;
                String row = String.format(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %s |%n", n,
                        r.rows(), r.encodeSeconds(), r.stepSeconds(), r.decodeSeconds(), r.pngSeconds(),
                        r.secondsPerImage(steps), whole ? String.format(Locale.ROOT, "%.2f", measured) : "–");
                System.err.print(row);
                table.append(row);
                ObjectNode o = runs.addObject();
                o.put("images", n);
                o.put("unet_rows", r.rows());
                o.put("encode_seconds", r.encodeSeconds());
                o.put("step_seconds", r.stepSeconds());
                o.put("decode_seconds", r.decodeSeconds());
                o.put("png_seconds", r.pngSeconds());
                o.put("seconds_per_image", r.secondsPerImage(steps));
                if (whole) {
                    o.put("measured_seconds_per_image", measured);
                }
            }
        }
        System.out.println();
        System.out.print(table);
        if (json != null) {
            Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
