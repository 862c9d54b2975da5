-- Which replicas are spending from each shared token bucket, and when each last did: a replica admits against its
-- share of the bucket's level (the level divided among itself and the replicas that took from it within the last
-- second), because between meetings none of them sees what the others take. Used on PostgreSQL only, like
-- usage_ledger.

CREATE TABLE usage_ledger_replicas (
    ledger_key    VARCHAR(1024) NOT NULL,
    replica       VARCHAR(64)   NOT NULL,
    -- The database clock, in nanoseconds since the epoch, at the replica's last meeting that sent a taking.
    took_at_nanos BIGINT        NOT NULL,
    PRIMARY KEY (ledger_key, replica)
);
