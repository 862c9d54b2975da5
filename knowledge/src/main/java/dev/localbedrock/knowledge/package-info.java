/**
 * Knowledge-base building blocks, free of Bedrock wire types and of engines: document text extraction
 * ({@code extract}), chunking by a caller-supplied token counter ({@code chunk}), and vector stores ({@code vector}:
 * an embedded Lucene HNSW index on disk). The runtime's knowledge-base service composes them with the served
 * embedding model and the object store.
 */
package dev.localbedrock.knowledge;
