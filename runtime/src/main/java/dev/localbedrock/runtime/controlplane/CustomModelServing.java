package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.runtime.ServedModel;

import java.util.Optional;

/**
 * How provisioned throughput serves custom models: a custom model is invocable only through provisioned throughput
 * (the guide's rule), so its weights are loaded when the first provisioned model on it is created (or restored at
 * start) and unloaded when the last one is deleted.
 */
public interface CustomModelServing {

    /** A loaded custom model and the foundation model it was trained from (whose model access it needs). */
    record Loaded(ServedModel model, String foundationId) {
    }

    /** The custom model's ARN when {@code identifier} (an ARN or a name) names one, else empty. */
    Optional<String> arnOf(String identifier);

    /**
     * The custom model, loaded for {@code user} (a provisioned model's ARN); loading happens once, for its first user.
     *
     * @throws dev.localbedrock.codecs.BedrockException ResourceNotFoundException when it no longer exists
     */
    Loaded acquire(String customModelArn, String user);

    /** {@code user} no longer serves the custom model; the last user's release unloads it. */
    void release(String customModelArn, String user);

    /** No custom models: every identifier names a served model of the catalogue. */
    static CustomModelServing none() {
        return None.INSTANCE;
    }

    /** The one {@link #none()}. */
    final class None {
        static final CustomModelServing INSTANCE = new CustomModelServing() {
            @Override
            public Optional<String> arnOf(String identifier) {
                return Optional.empty();
            }

            @Override
            public Loaded acquire(String customModelArn, String user) {
                throw dev.localbedrock.codecs.BedrockException.notFound("Custom model " + customModelArn
                        + " not found.");
            }

            @Override
            public void release(String customModelArn, String user) {
            }
        };

        private None() {
        }
    }
}
