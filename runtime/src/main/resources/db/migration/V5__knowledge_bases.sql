-- Knowledge bases and their data sources (bedrock-agent). Same portable SQL as V1 and V4 (VARCHAR, BIGINT; instants
-- as BIGINT milliseconds). What the client defined (configuration, storage, chunking) is kept as the JSON it sent,
-- read and written whole; only what is looked up or must be unique has a column of its own.

CREATE TABLE knowledge_bases (
    id              VARCHAR(10)    NOT NULL PRIMARY KEY,
    arn             VARCHAR(128)   NOT NULL,
    name            VARCHAR(100)   NOT NULL,
    status          VARCHAR(32)    NOT NULL,
    body_json       VARCHAR(65535) NOT NULL,
    failure_reasons VARCHAR(8192)  NOT NULL,
    created_at      BIGINT         NOT NULL,
    updated_at      BIGINT         NOT NULL,
    client_token    VARCHAR(256),
    CONSTRAINT uq_knowledge_bases_arn UNIQUE (arn),
    CONSTRAINT uq_knowledge_bases_name UNIQUE (name),
    CONSTRAINT uq_knowledge_bases_token UNIQUE (client_token)
);

CREATE INDEX ix_knowledge_bases_created ON knowledge_bases (created_at);

CREATE TABLE data_sources (
    id                VARCHAR(10)    NOT NULL PRIMARY KEY,
    knowledge_base_id VARCHAR(10)    NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    name              VARCHAR(100)   NOT NULL,
    status            VARCHAR(32)    NOT NULL,
    body_json         VARCHAR(65535) NOT NULL,
    created_at        BIGINT         NOT NULL,
    updated_at        BIGINT         NOT NULL,
    client_token      VARCHAR(256),
    -- Names and tokens are unique within their knowledge base, as the service scopes them.
    CONSTRAINT uq_data_sources_name UNIQUE (knowledge_base_id, name),
    CONSTRAINT uq_data_sources_token UNIQUE (knowledge_base_id, client_token)
);

CREATE INDEX ix_data_sources_created ON data_sources (knowledge_base_id, created_at);
