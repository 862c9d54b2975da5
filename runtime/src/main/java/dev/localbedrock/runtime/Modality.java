package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.ModelEntry;

/**
 * One kind of model the server serves (text generation, embeddings; images next): which families belong to it, how
 * its entries load, and how its loaded models stop. {@link ModelRegistry} walks the modalities once per entry, so a
 * further modality is one more implementation registered there, not another branch in the registry, the catalogue
 * and the HTTP layer. Each instance holds what it has loaded; entries naming the same source, engine and device
 * share one loaded model and one worker.
 */
interface Modality {

    /** Whether entries of {@code family} are served by this modality. */
    boolean serves(String family);

    /**
     * Loads one entry, reusing what an earlier entry with the same source already loaded.
     *
     * @return the served model, with the entry as the engine completed it (e.g. its context filled in)
     */
    ServedModel load(ModelEntry entry);

    /**
     * Stops serving one entry loaded at run time (a custom model whose last provisioned throughput was deleted):
     * its worker drains for up to {@code graceMillis} and its weights are freed. Only an entry whose source no other
     * entry shares may be unloaded.
     */
    default void unload(ModelEntry entry, long graceMillis) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot unload models");
    }

    /** Lets accepted work finish until {@code deadlineMillis} (epoch), then frees everything this modality loaded. */
    void shutdown(long deadlineMillis);

    /** The key under which entries share one loaded model. */
    static String sharingKey(ModelEntry entry) {
        return entry.source().key() + "|" + entry.engine() + "|" + entry.device() + "|" + entry.onnx().quantize()
                + "|" + entry.onnx().variant();
    }
}
