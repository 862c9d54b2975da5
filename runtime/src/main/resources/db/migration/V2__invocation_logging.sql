-- Model invocation logging (PutModelInvocationLoggingConfiguration): one configuration per account and region, so
-- the table holds at most one row (config_id is always 1). Absent row = logging off (Bedrock's default).
-- A destination is configured when its bucket or log group column is not null.

CREATE TABLE invocation_logging (
    config_id             INTEGER       NOT NULL PRIMARY KEY,
    s3_bucket             VARCHAR(63),
    s3_key_prefix         VARCHAR(1024),
    cw_log_group          VARCHAR(512),
    cw_role_arn           VARCHAR(2048),
    cw_large_data_bucket  VARCHAR(63),
    cw_large_data_prefix  VARCHAR(1024),
    text_enabled          BOOLEAN       NOT NULL,
    image_enabled         BOOLEAN       NOT NULL,
    embedding_enabled     BOOLEAN       NOT NULL,
    updated_at            BIGINT        NOT NULL
);
