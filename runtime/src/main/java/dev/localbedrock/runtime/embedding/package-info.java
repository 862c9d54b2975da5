/**
 * Serving embedding models: {@code EmbeddingWorker} queues embedding requests and batches their texts through one
 * encoder, answering each request with its vector.
 *
 * <p>May depend on {@code codecs} (the neutral embedding request and its errors) and {@code engines} (the encoder);
 * not on {@code http} or the text generation scheduler.
 *
 * <p>Threads: requests are submitted from the decode threads; one {@code embed-<id>} thread per loaded model runs
 * the encoder's forward call, the only place here that blocks, and hands results to callbacks that must not block it.
 */
package dev.localbedrock.runtime.embedding;
