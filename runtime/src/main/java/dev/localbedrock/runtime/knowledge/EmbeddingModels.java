package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;

import java.util.function.Function;

/**
 * A knowledge base's embedding model: its ARN (or id) must name an embedding model this server serves, and the
 * dimensions the client asks for must be that model's (a served model has one vector length; none truncates).
 */
final class EmbeddingModels {
    static final String MEMBER = "knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelArn";
    private static final String DIMENSIONS = "knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration"
            + ".embeddingModelConfiguration.bedrockEmbeddingModelConfiguration.dimensions";
    private final Function<String, ModelTarget> models;

    /** The served embedding model: its catalogue id and vector length. */
    record Chosen(String modelId, int dimensions) {
    }

    EmbeddingModels(Function<String, ModelTarget> models) {
        this.models = models;
    }

    /** @throws BedrockException ValidationException naming the member that is wrong */
    Chosen check(String modelArn, Integer dimensions) {
        ServedModel model;
        try {
            model = models.apply(modelArn).model();
        } catch (BedrockException e) {
            throw BedrockException.validation("The " + MEMBER + " " + modelArn + " names no model this server"
                    + " serves (" + e.getMessage() + "). Use an embedding model's ARN from ListFoundationModels"
                    + " (byOutputModality=EMBEDDING).");
        }
        if (!(model instanceof ServedModel.Embedding embedding)) {
            throw BedrockException.validation("The " + MEMBER + " " + modelArn + " is not an embedding model; use"
                    + " one from ListFoundationModels (byOutputModality=EMBEDDING).");
        }
        int served = embedding.worker().dimensions();
        if (dimensions != null && dimensions != served) {
            throw BedrockException.validation("The " + DIMENSIONS + " " + dimensions + " is not one "
                    + embedding.entry().id() + " produces: it makes vectors of " + served
                    + " dimensions; send " + served + " or leave it out.");
        }
        return new Chosen(embedding.entry().id(), served);
    }
}
