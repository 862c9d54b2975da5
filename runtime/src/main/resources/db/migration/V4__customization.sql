-- Model customization: fine-tuning jobs and the custom models they produce. Same portable SQL as V1 (VARCHAR,
-- INTEGER, BIGINT; instants as BIGINT milliseconds). Maps and lists the API echoes back as they were sent
-- (hyperparameters, the custom model's tags, validation losses) are stored as JSON text: they are read and written
-- whole, never queried by part.

CREATE TABLE customization_jobs (
    arn                  VARCHAR(2048) NOT NULL PRIMARY KEY,
    name                 VARCHAR(63)   NOT NULL,
    base_model_id        VARCHAR(2048) NOT NULL,
    base_model_arn       VARCHAR(2048) NOT NULL,
    custom_model_name    VARCHAR(63)   NOT NULL,
    custom_model_arn     VARCHAR(2048),
    role_arn             VARCHAR(2048) NOT NULL,
    status               VARCHAR(32)   NOT NULL,
    failure_message      VARCHAR(4096),
    hyper_parameters     VARCHAR(4096) NOT NULL,
    training_s3_uri      VARCHAR(1024) NOT NULL,
    validation_s3_uri    VARCHAR(1024),
    output_s3_uri        VARCHAR(1024) NOT NULL,
    kms_key_id           VARCHAR(2048),
    custom_model_tags    VARCHAR(16384) NOT NULL,
    training_loss        VARCHAR(64),
    validation_losses    VARCHAR(4096) NOT NULL,
    created_at           BIGINT        NOT NULL,
    last_modified_at     BIGINT        NOT NULL,
    end_time             BIGINT,
    client_request_token VARCHAR(256),
    CONSTRAINT uq_customization_jobs_name UNIQUE (name),
    CONSTRAINT uq_customization_jobs_token UNIQUE (client_request_token)
);

CREATE INDEX ix_customization_jobs_created ON customization_jobs (created_at);

CREATE TABLE custom_models (
    arn               VARCHAR(2048) NOT NULL PRIMARY KEY,
    name              VARCHAR(63)   NOT NULL,
    job_arn           VARCHAR(2048) NOT NULL,
    weights_dir       VARCHAR(4096) NOT NULL,
    created_at        BIGINT        NOT NULL,
    CONSTRAINT uq_custom_models_name UNIQUE (name)
);
