package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.state.InvocationLoggingConfig;

/** Which data-delivery toggle governs a model's bodies: its output modality, as the console's Text/Image/Embeddings. */
public enum DataKind {
    TEXT, IMAGE, EMBEDDING;

    boolean enabledIn(InvocationLoggingConfig config) {
        return switch (this) {
            case TEXT -> config.textDataDelivery();
            case IMAGE -> config.imageDataDelivery();
            case EMBEDDING -> config.embeddingDataDelivery();
        };
    }
}
