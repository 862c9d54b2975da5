package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What a client says a data source is (Create and Update bodies): its configuration kept as sent for Get, with the
 * members ingestion acts on read out.
 *
 * @param bucket            the S3 bucket, what follows {@code :::} in {@code s3Configuration.bucketArn}
 * @param inclusionPrefixes the key prefixes to ingest (empty: the whole bucket)
 * @param chunking          how documents are cut into chunks
 * @param dataDeletionPolicy RETAIN or DELETE (the default): whether deleting the source deletes its vectors
 * @param configuration     {@code dataSourceConfiguration} as sent
 * @param ingestion         {@code vectorIngestionConfiguration} as sent, or null
 */
public record DataSourceDefinition(String name, String description, String bucket, String bucketOwnerAccountId,
                                   List<String> inclusionPrefixes, Chunking chunking, String dataDeletionPolicy,
                                   ObjectNode configuration, ObjectNode ingestion) {

    /**
     * A chunking strategy: FIXED_SIZE (at most {@code maxTokens} tokens, consecutive chunks sharing
     * {@code overlapPercentage} percent), NONE (each document one chunk), or DEFAULT (none given: chunks of at most
     * 200 tokens, a shorter document whole).
     */
    public record Chunking(String strategy, int maxTokens, int overlapPercentage) {
        public static final Chunking DEFAULT = new Chunking("DEFAULT", 200, 0);
        public static final Chunking NONE = new Chunking("NONE", 0, 0);
    }
}
