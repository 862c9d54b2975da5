-- The control plane's first tables. Portable SQL on purpose: it runs unchanged on SQLite (the default) and on
-- PostgreSQL. Only standard types: VARCHAR, INTEGER, BIGINT, BOOLEAN. Instants are BIGINT milliseconds since the
-- epoch (UTC), which every database stores and compares the same way, unlike TIMESTAMP (text in SQLite).
-- Tag columns are tag_key/tag_value because KEY and VALUE are reserved words in some databases.

CREATE TABLE model_access (
    model_id   VARCHAR(2048) NOT NULL PRIMARY KEY,
    granted    BOOLEAN       NOT NULL,
    updated_at BIGINT        NOT NULL
);

CREATE TABLE provisioned_models (
    arn                   VARCHAR(2048) NOT NULL PRIMARY KEY,
    name                  VARCHAR(256)  NOT NULL,
    model_id              VARCHAR(2048) NOT NULL,
    model_units           INTEGER       NOT NULL,
    desired_model_id      VARCHAR(2048) NOT NULL,
    desired_model_units   INTEGER       NOT NULL,
    status                VARCHAR(32)   NOT NULL,
    commitment_duration   VARCHAR(32),
    commitment_expiration BIGINT,
    failure_message       VARCHAR(2048),
    created_at            BIGINT        NOT NULL,
    last_modified_at      BIGINT        NOT NULL,
    client_request_token  VARCHAR(256),
    CONSTRAINT uq_provisioned_models_name UNIQUE (name),
    CONSTRAINT uq_provisioned_models_token UNIQUE (client_request_token)
);

CREATE INDEX ix_provisioned_models_created ON provisioned_models (created_at);

CREATE TABLE tags (
    resource_arn VARCHAR(2048) NOT NULL,
    tag_key      VARCHAR(128)  NOT NULL,
    tag_value    VARCHAR(256)  NOT NULL,
    PRIMARY KEY (resource_arn, tag_key)
);
