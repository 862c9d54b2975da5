-- Ingestion jobs of knowledge-base data sources, and what each job indexed per document (bedrock-agent). Same
-- portable SQL as V5 (VARCHAR, BIGINT; instants as BIGINT milliseconds). No foreign keys: the rows go with their
-- data source by explicit deletes, as V5's do, whatever the database's foreign-key setting.

CREATE TABLE ingestion_jobs (
    id                VARCHAR(10)    NOT NULL PRIMARY KEY,
    knowledge_base_id VARCHAR(10)    NOT NULL,
    data_source_id    VARCHAR(10)    NOT NULL,
    status            VARCHAR(32)    NOT NULL,
    description       VARCHAR(200),
    -- IngestionJobStatistics as the API writes it ({"numberOfDocumentsScanned": 5, ...}).
    statistics_json   VARCHAR(4096)  NOT NULL,
    -- A JSON list of strings; each "s3://bucket/key: reason" for a document that failed.
    failure_reasons   VARCHAR(65535) NOT NULL,
    started_at        BIGINT         NOT NULL,
    updated_at        BIGINT         NOT NULL,
    client_token      VARCHAR(256),
    CONSTRAINT uq_ingestion_jobs_token UNIQUE (data_source_id, client_token)
);

CREATE INDEX ix_ingestion_jobs_source ON ingestion_jobs (data_source_id, started_at);

-- One row per document a data source has indexed: the fingerprint it had (to skip it while unchanged) and the ids
-- of its chunks in the knowledge base's vector index.
CREATE TABLE kb_documents (
    data_source_id    VARCHAR(10)    NOT NULL,
    knowledge_base_id VARCHAR(10)    NOT NULL,
    s3_key            VARCHAR(1024)  NOT NULL,
    fingerprint       VARCHAR(256)   NOT NULL,
    chunk_ids_json    VARCHAR(65535) NOT NULL,
    indexed_at        BIGINT         NOT NULL,
    CONSTRAINT pk_kb_documents PRIMARY KEY (data_source_id, s3_key)
);

CREATE INDEX ix_kb_documents_kb ON kb_documents (knowledge_base_id);
