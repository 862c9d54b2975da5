/**
 * Vector stores for knowledge bases: the {@link dev.localbedrock.knowledge.vector.VectorStore} seam, its value
 * types and filters, and the embedded {@link dev.localbedrock.knowledge.vector.LuceneVectorStore} (Lucene HNSW on
 * disk). docs/vector-store.md describes the layout, metrics, scores and limits.
 */
package dev.localbedrock.knowledge.vector;
