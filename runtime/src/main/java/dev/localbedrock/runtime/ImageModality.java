package dev.localbedrock.runtime;

import dev.localbedrock.codecs.ImageFamilies;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.runtime.catalog.GeneratedModels;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.imaging.ImagePlannerLimits;
import dev.localbedrock.runtime.imaging.ImageWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Images: a diffusion pipeline per shared source, each behind one {@link ImageWorker} scheduler thread. */
final class ImageModality implements Modality {
    private static final Logger log = LoggerFactory.getLogger(ImageModality.class);

    /** Opens a diffusers/optimum ONNX export of a pipeline on a device ({@code cpu}, {@code cuda}, {@code cuda:N}). */
    @FunctionalInterface
    interface Loader {
        DiffusionModel load(Path exportDir, String device);
    }

    private final Loader loader;
    private final Map<String, ImageWorker> workers = new LinkedHashMap<>();

    ImageModality(Loader loader) {
        this.loader = loader;
    }

    @Override
    public boolean serves(String family) {
        return ImageFamilies.names().contains(family);
    }

    @Override
    public ServedModel load(ModelEntry entry) {
        ImageWorker worker = workers.computeIfAbsent(Modality.sharingKey(entry), k -> start(entry));
        return new ServedModel.Image(entry, ImageFamilies.forName(entry.family()), worker);
    }

    private ImageWorker start(ModelEntry entry) {
        Path dir;
        if (entry.source() instanceof ModelEntry.Directory d) {
            dir = d.path();
        } else if (entry.source() instanceof ModelEntry.Generated g) {
            dir = GeneratedModels.ensure(g);
        } else {
            throw new IllegalStateException(entry.id() + ": source " + entry.source().key() + " is not an image model");
        }
        log.info("loading image model {} from {} on {} ({})", entry.id(), dir, entry.device(), entry.engine());
        DiffusionModel model;
        try {
            model = loader.load(dir, entry.device());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load image model " + entry.id() + " from " + dir + ": "
                    + e.getMessage(), e);
        }
        log.info("image model {}: {}", entry.id(), model.info().description());
        return new ImageWorker(entry.id(), model, limits(entry));
    }

    static ImagePlannerLimits limits(ModelEntry entry) {
        return new ImagePlannerLimits(entry.maxRowsPerStep(), entry.maxQueue(), entry.requestTimeout(),
                entry.batching().maxQueueWait());
    }

    @Override
    public void shutdown(long deadlineMillis) {
        for (ImageWorker worker : workers.values()) {
            worker.shutdown(Math.max(1, deadlineMillis - System.currentTimeMillis()));
        }
        workers.clear();
    }
}
