package dev.localbedrock.runtime;

import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.generation.ModelWorker;

/**
 * A model id ready to serve: its catalogue entry, the wire family it speaks, and the worker that runs its weights
 * (shared by every id whose entry names the same source, engine and device).
 */
public record ServedModel(ModelEntry entry, TextFamilyCodec codec, ModelWorker worker) {
}
