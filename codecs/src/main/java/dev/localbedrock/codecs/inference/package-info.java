/**
 * The family-neutral side of inference: what a codec decodes a request into ({@code TextGenerationRequest},
 * {@code EmbeddingRequest}, {@code ImageGenerationRequest}), what the runtime hands back ({@code GenerationOutcome},
 * {@code StreamChunk}, {@code EmbeddingOutcome}, {@code ImageGenerationOutcome}) and why it could not ({@code InferenceFailure}). No wire field names and no AWS error
 * types live here: the scheduler and the workers see only these, and each family codec maps them to and from its
 * own body.
 */
package dev.localbedrock.codecs.inference;
