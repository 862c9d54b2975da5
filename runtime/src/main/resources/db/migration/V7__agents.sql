-- Agents (bedrock-agent): the draft, its action groups and knowledge-base associations, the numbered versions
-- made from it and the aliases routing to them. Same portable SQL as V1, V4 and V5 (VARCHAR, INTEGER, BIGINT;
-- instants as BIGINT milliseconds; what the client defined as the JSON it sent).

CREATE TABLE agents (
    id              VARCHAR(10)    NOT NULL PRIMARY KEY,
    arn             VARCHAR(128)   NOT NULL,
    name            VARCHAR(100)   NOT NULL,
    status          VARCHAR(32)    NOT NULL,
    draft_json      VARCHAR(65535) NOT NULL,
    failure_reasons VARCHAR(8192)  NOT NULL,
    -- The draft with its action groups and associations as PrepareAgent checked them; what DRAFT invokes.
    prepared_json   VARCHAR(65535),
    prepared_at     BIGINT,
    -- Versions are numbered 1, 2, ... and a deleted number is never given again.
    versions_made   INTEGER        NOT NULL,
    created_at      BIGINT         NOT NULL,
    updated_at      BIGINT         NOT NULL,
    client_token    VARCHAR(256),
    CONSTRAINT uq_agents_arn UNIQUE (arn),
    CONSTRAINT uq_agents_name UNIQUE (name),
    CONSTRAINT uq_agents_token UNIQUE (client_token)
);

CREATE INDEX ix_agents_created ON agents (created_at);

-- The draft's action groups (a numbered version's are in its snapshot).
CREATE TABLE agent_action_groups (
    agent_id     VARCHAR(10)    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    id           VARCHAR(10)    NOT NULL,
    name         VARCHAR(100)   NOT NULL,
    state        VARCHAR(32)    NOT NULL,
    body_json    VARCHAR(65535) NOT NULL,
    created_at   BIGINT         NOT NULL,
    updated_at   BIGINT         NOT NULL,
    client_token VARCHAR(256),
    PRIMARY KEY (agent_id, id),
    CONSTRAINT uq_agent_action_groups_name UNIQUE (agent_id, name),
    CONSTRAINT uq_agent_action_groups_token UNIQUE (agent_id, client_token)
);

-- The draft's knowledge-base associations: id and name are both the knowledge base's id, so the three child
-- tables share one shape.
CREATE TABLE agent_knowledge_bases (
    agent_id     VARCHAR(10)    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    id           VARCHAR(10)    NOT NULL,
    name         VARCHAR(100)   NOT NULL,
    state        VARCHAR(32)    NOT NULL,
    body_json    VARCHAR(65535) NOT NULL,
    created_at   BIGINT         NOT NULL,
    updated_at   BIGINT         NOT NULL,
    client_token VARCHAR(256),
    PRIMARY KEY (agent_id, id)
);

CREATE TABLE agent_aliases (
    agent_id     VARCHAR(10)    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    id           VARCHAR(10)    NOT NULL,
    name         VARCHAR(100)   NOT NULL,
    state        VARCHAR(32)    NOT NULL,
    body_json    VARCHAR(65535) NOT NULL,
    created_at   BIGINT         NOT NULL,
    updated_at   BIGINT         NOT NULL,
    client_token VARCHAR(256),
    PRIMARY KEY (agent_id, id),
    CONSTRAINT uq_agent_aliases_name UNIQUE (agent_id, name),
    CONSTRAINT uq_agent_aliases_token UNIQUE (agent_id, client_token)
);

-- Numbered versions: immutable snapshots of a prepared draft.
CREATE TABLE agent_versions (
    agent_id      VARCHAR(10)    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    version       INTEGER        NOT NULL,
    snapshot_json VARCHAR(65535) NOT NULL,
    created_at    BIGINT         NOT NULL,
    PRIMARY KEY (agent_id, version)
);
