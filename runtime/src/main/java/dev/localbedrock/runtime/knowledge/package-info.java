/**
 * Knowledge bases (bedrock-agent): their definitions and data sources kept in the state database, checked against
 * the embedding models this server serves. Building and searching their vector indexes plugs in through
 * {@link dev.localbedrock.runtime.knowledge.KnowledgeBaseIndexes}.
 */
package dev.localbedrock.runtime.knowledge;
