/**
 * Vector stores for knowledge bases: the {@link dev.localbedrock.knowledge.vector.VectorStore} seam, its value
 * types and filters, and the embedded {@link dev.localbedrock.knowledge.vector.LuceneVectorStore} (Lucene HNSW on
 * disk) and the external {@link dev.localbedrock.knowledge.vector.PgVectorStore} (PostgreSQL with pgvector).
 * docs/vector-store.md describes the layout, metrics, scores and limits.
 */
package dev.localbedrock.knowledge.vector;
