-- What a newer release's migrations may do, for NewerSchemaStateStoreTest: a column that may be null and one
-- NOT NULL with a default on every table, a new table and a new index. This release's SQL must run unchanged on it.

ALTER TABLE model_access ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE model_access ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE provisioned_models ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE provisioned_models ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE tags ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invocation_logging ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE invocation_logging ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE principals ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE principals ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_keys ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE access_keys ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE principal_policies ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE principal_policies ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE security_generation ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE security_generation ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customization_jobs ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE customization_jobs ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE custom_models ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE custom_models ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE knowledge_bases ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE knowledge_bases ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE data_sources ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE data_sources ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingestion_jobs ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE ingestion_jobs ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kb_documents ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE kb_documents ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE agents ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_action_groups ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE agent_action_groups ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_knowledge_bases ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE agent_knowledge_bases ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_aliases ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE agent_aliases ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_versions ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE agent_versions ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_ledger ADD COLUMN newer_note VARCHAR(100);
ALTER TABLE usage_ledger ADD COLUMN newer_flag INTEGER NOT NULL DEFAULT 0;

CREATE TABLE newer_feature (
    id   VARCHAR(64) NOT NULL PRIMARY KEY,
    body VARCHAR(4096)
);

CREATE INDEX ix_tags_newer_note ON tags (newer_note);
