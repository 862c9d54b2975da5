-- Authentication and authorisation (issue: SigV4 principals and IAM-style policies). Portable SQL like V1 and V2.
--
-- principals: the IAM users keys act as. name is the friendly name (IAM's user-name pattern), arn is
--   arn:aws:iam::<account>:user/<name>.
-- access_keys: one row per key id. The secret (and a temporary key's session token) is stored sealed with
--   AES-256-GCM under the master key, never in the clear: SigV4 is a MAC, so the server needs the secret itself
--   and a hash could verify nothing. kind is 'long-term' (AKIA..., no expiry) or 'temporary' (ASIA..., a session
--   token and an expiry).
-- principal_policies: the identity policies attached to a principal, as the JSON document given (validated before
--   it is stored).
-- security_generation: one row whose counter every change above bumps in its own transaction, so a running server
--   notices a change made by the command line (another process) by reading one row.

CREATE TABLE principals (
    name       VARCHAR(64)   NOT NULL PRIMARY KEY,
    arn        VARCHAR(2048) NOT NULL,
    created_at BIGINT        NOT NULL,
    CONSTRAINT uq_principals_arn UNIQUE (arn)
);

CREATE TABLE access_keys (
    access_key_id        VARCHAR(32)   NOT NULL PRIMARY KEY,
    principal_name       VARCHAR(64)   NOT NULL REFERENCES principals (name) ON DELETE CASCADE,
    kind                 VARCHAR(16)   NOT NULL,
    sealed_secret        VARCHAR(512)  NOT NULL,
    sealed_session_token VARCHAR(2048),
    enabled              BOOLEAN       NOT NULL,
    created_at           BIGINT        NOT NULL,
    expires_at           BIGINT
);

CREATE INDEX ix_access_keys_principal ON access_keys (principal_name);
CREATE INDEX ix_access_keys_expires ON access_keys (expires_at);

CREATE TABLE principal_policies (
    principal_name VARCHAR(64)     NOT NULL REFERENCES principals (name) ON DELETE CASCADE,
    policy_name    VARCHAR(128)    NOT NULL,
    document       VARCHAR(131072) NOT NULL,
    attached_at    BIGINT          NOT NULL,
    PRIMARY KEY (principal_name, policy_name)
);

CREATE TABLE security_generation (
    generation_id INTEGER NOT NULL PRIMARY KEY,
    generation    BIGINT  NOT NULL
);

INSERT INTO security_generation (generation_id, generation) VALUES (1, 0);
