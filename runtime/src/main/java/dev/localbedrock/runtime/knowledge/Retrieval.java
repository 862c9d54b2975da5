package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.KnowledgeBaseBodies;
import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.knowledge.vector.Filter;
import dev.localbedrock.knowledge.vector.Hit;
import dev.localbedrock.knowledge.vector.VectorStore;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.state.KnowledgeBaseRepository;
import dev.localbedrock.runtime.state.StoredKnowledgeBase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Retrieve (bedrock-agent-runtime): the query embedded by the knowledge base's own model, the nearest chunks found
 * in its index among those the filter passes, nearest first, each with its text, its document's S3 URI, its score
 * (for cosine, {@code (1 + cos) / 2}) and its metadata, the {@code x-amz-bedrock-kb-*} keys included.
 */
public final class Retrieval {
    public static final String SOURCE_URI = "x-amz-bedrock-kb-source-uri";
    public static final String DATA_SOURCE_ID = "x-amz-bedrock-kb-data-source-id";
    public static final String CHUNK_ID = "x-amz-bedrock-kb-chunk-id";
    private final KnowledgeBaseRepository knowledgeBases;
    private final Function<String, ModelTarget> models;
    private final KnowledgeBaseIndexes indexes;
    private final String arnPrefix;

    Retrieval(KnowledgeBaseRepository knowledgeBases, Function<String, ModelTarget> models,
              KnowledgeBaseIndexes indexes, String arnPrefix) {
        this.knowledgeBases = knowledgeBases;
        this.models = models;
        this.indexes = indexes;
        this.arnPrefix = arnPrefix;
    }

    /**
     * @param knowledgeBase the knowledge base's id, or its ARN (the path segment may be either)
     * @throws BedrockException ResourceNotFoundException for an unknown knowledge base, ValidationException for one
     *     that is not ACTIVE
     */
    public List<RetrieveBodies.Result> retrieve(String knowledgeBase, RetrieveBodies.Request request) {
        String id = knowledgeBase.startsWith(arnPrefix) ? knowledgeBase.substring(arnPrefix.length()) : knowledgeBase;
        StoredKnowledgeBase kb = knowledgeBases.find(id).orElseThrow(() -> BedrockException.notFound(
                "Knowledge base " + knowledgeBase + " does not exist."));
        if (!kb.status().equals(KnowledgeBaseService.ACTIVE)) {
            throw BedrockException.validation("Knowledge base " + id + " is " + kb.status()
                    + "; it can be queried once it is ACTIVE.");
        }
        KnowledgeBaseDefinition d = KnowledgeBaseBodies.fromStored(kb.name(), kb.bodyJson());
        ServedModel model = models.apply(d.embeddingModelArn()).model();
        if (!(model instanceof ServedModel.Embedding embedding)) {
            throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, "The knowledge base's embedding model "
                    + d.embeddingModelArn() + " is not served as an embedding model.");
        }
        float[] query = embed(embedding, request.text());
        Filter filter = request.filter() == null ? null : filter(request.filter());
        List<Hit> hits;
        try {
            VectorStore store = indexes.open(id, d, embedding.worker().dimensions());
            hits = store.search(query, request.numberOfResults(), filter);
        } catch (IOException e) {
            throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, "The knowledge base's index cannot be read: "
                    + e.getMessage());
        }
        List<RetrieveBodies.Result> results = new ArrayList<>(hits.size());
        for (Hit h : hits) {
            Map<String, String> metadata = new LinkedHashMap<>(h.metadata());
            metadata.put(SOURCE_URI, h.sourceUri());
            metadata.put(CHUNK_ID, h.chunkId());
            metadata.put(DATA_SOURCE_ID, h.dataSourceId());
            results.add(new RetrieveBodies.Result(h.text(), h.sourceUri(), h.score(), metadata));
        }
        return results;
    }

    /** The query's vector; a query over the model's limit is cut to it (a query is not a document to refuse). */
    private static float[] embed(ServedModel.Embedding model, String text) {
        try {
            return model.worker().submit(new EmbeddingRequest(List.of(text), EmbeddingRequest.Truncation.END)).get()
                    .embeddings().get(0);
        } catch (InferenceFailure e) {
            throw failure(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof InferenceFailure f ? failure(f)
                    : new BedrockException(BedrockErrorType.INTERNAL_SERVER, "The query could not be embedded.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, "Interrupted while embedding the query.");
        }
    }

    private static BedrockException failure(InferenceFailure e) {
        BedrockErrorType type = switch (e.kind()) {
            case OVERLOADED -> BedrockErrorType.THROTTLING;
            case INVALID_REQUEST -> BedrockErrorType.VALIDATION;
            default -> BedrockErrorType.INTERNAL_SERVER;
        };
        return new BedrockException(type, e.getMessage());
    }

    /** The request's filter as the store's: the two keys every chunk has are attributes, the rest metadata. */
    static Filter filter(RetrieveBodies.FilterSpec f) {
        switch (f.operator()) {
            case "andAll":
                return new Filter.AndAll(f.children().stream().map(Retrieval::filter).toList());
            case "orAll":
                return new Filter.OrAll(f.children().stream().map(Retrieval::filter).toList());
            default:
                break;
        }
        Filter.Attribute attribute = switch (f.key()) {
            case SOURCE_URI -> Filter.Attribute.sourceUri();
            case DATA_SOURCE_ID -> Filter.Attribute.dataSourceId();
            default -> Filter.Attribute.metadata(f.key());
        };
        return switch (f.operator()) {
            case "equals" -> Filter.equalsTo(attribute, f.values().get(0));
            case "notEquals" -> Filter.notEquals(attribute, f.values().get(0));
            case "in" -> Filter.in(attribute, f.values());
            case "startsWith" -> Filter.startsWith(attribute, f.values().get(0));
            default -> throw BedrockException.validation("Unsupported filter operator " + f.operator());
        };
    }
}
