package dev.localbedrock.runtime;

import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import dev.localbedrock.runtime.generation.ModelWorker;

/**
 * A model id ready to serve: its catalogue entry, the wire family it speaks, and the worker that runs its weights
 * (shared by every id whose entry names the same source, engine and device). A text model generates and streams; an
 * embedding model answers InvokeModel only.
 */
public sealed interface ServedModel {

    ModelEntry entry();

    /** A text generation model: its family codec and its continuous-batching worker. */
    record Text(ModelEntry entry, TextFamilyCodec codec, ModelWorker worker) implements ServedModel {
    }

    /** An embedding model: its family codec and its bounded embedding worker. */
    record Embedding(ModelEntry entry, EmbeddingFamilyCodec codec, EmbeddingWorker worker) implements ServedModel {
    }
}
