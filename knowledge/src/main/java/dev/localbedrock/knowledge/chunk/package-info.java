/**
 * Chunking extracted text for embedding: {@link dev.localbedrock.knowledge.chunk.Chunker} cuts at paragraph, then
 * sentence, then word boundaries so that every chunk fits the embedding model by its own token count.
 */
package dev.localbedrock.knowledge.chunk;
