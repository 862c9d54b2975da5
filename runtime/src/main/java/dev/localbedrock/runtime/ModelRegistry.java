package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.http.RuntimeApi;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The loaded catalogue: every served id mapped to its codec and worker. Each entry is loaded by the {@link Modality}
 * that serves its family (text generation, embeddings); entries naming the same source, engine and device share one
 * loaded model and one worker, so serving a model under several ids costs its memory once.
 */
public final class ModelRegistry implements RuntimeApi, AutoCloseable {

    private final List<ServedModel> served;
    private final List<Modality> modalities;
    private final ModelDirectory directory;
    private final FoundationModels foundationModels;
    /** The region in the ARNs this server writes (clients sign for any region; the server does not check it). */
    static final String REGION = "us-east-1";

    private ModelRegistry(List<ServedModel> served, List<Modality> modalities) {
        this.served = List.copyOf(served);
        this.modalities = List.copyOf(modalities);
        this.directory = new ModelDirectory(served);
        this.foundationModels = new FoundationModels(served, REGION);
    }

    /** Loads every model of the catalogue (writing generated ones first), with FIFO admission and in-memory metrics. */
    public static ModelRegistry load(Catalog catalog) {
        return load(catalog, entry -> WorkerHooks.defaults());
    }

    /**
     * Loads every model of the catalogue; {@code hooks} supplies each text worker's admission policy and metrics sink
     * (called with the first entry of every shared model).
     */
    public static ModelRegistry load(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks) {
        return load(catalog, hooks, DIFFUSION_ENGINE);
    }

    /** How image entries open their pipelines: ONNX Runtime's SDXL pipeline. */
    static final ImageModality.Loader DIFFUSION_ENGINE = dev.localbedrock.engines.DiffusionModels::load;

    /** As {@link #load(Catalog, Function)}, opening diffusion pipelines with {@code images}. */
    static ModelRegistry load(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks, ImageModality.Loader images) {
        // Shutdown runs in this order: embedding queues drain in milliseconds, generations get what is left, and
        // image steps (seconds each) last.
        List<Modality> modalities = List.of(new EmbeddingModality(), new TextModality(hooks),
                new ImageModality(images));
        List<ServedModel> served = new ArrayList<>();
        try {
            for (ModelEntry entry : catalog.models()) {
                served.add(modalityOf(modalities, entry).load(entry));
            }
        } catch (RuntimeException e) {
            modalities.forEach(m -> m.shutdown(0));
            throw e;
        }
        return new ModelRegistry(served, modalities);
    }

    private static Modality modalityOf(List<Modality> modalities, ModelEntry entry) {
        for (Modality modality : modalities) {
            if (modality.serves(entry.family())) {
                return modality;
            }
        }
        throw new IllegalStateException("no modality serves family '" + entry.family() + "' of " + entry.id());
    }

    @Override
    public ModelTarget resolve(String modelId) {
        return directory.resolve(modelId);
    }

    @Override
    public FoundationModels foundationModels() {
        return foundationModels;
    }

    /** The identifiers clients may send; the control plane adds provisioned and custom models here. */
    public ModelDirectory directory() {
        return directory;
    }

    public List<ServedModel> served() {
        return served;
    }

    /**
     * Loads an entry at run time (a custom model served through provisioned throughput); it is not among the
     * catalogue's ids: the caller registers the identifiers that reach it.
     */
    public ServedModel loadAdditional(ModelEntry entry) {
        return modalityOf(modalities, entry).load(entry);
    }

    /** Frees an entry {@link #loadAdditional} loaded, letting its running work finish for up to the grace period. */
    public void unloadAdditional(ModelEntry entry, long graceMillis) {
        modalityOf(modalities, entry).unload(entry, graceMillis);
    }

    /** Lets running generations and queued embeddings finish within the grace period, then frees every model. */
    public void shutdown(long graceMillis) {
        long deadline = System.currentTimeMillis() + graceMillis;
        for (Modality modality : modalities) {
            modality.shutdown(deadline);
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
