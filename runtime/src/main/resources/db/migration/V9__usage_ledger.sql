-- The replicas' shared token buckets (on-demand quotas and provisioned models' units): one row per bucket, met by
-- every replica a few times a second. Used on PostgreSQL only (several replicas); an SQLite state has one owner
-- and counts in memory. The level is fixed-point: one token or request is 60 000 000 000 sub-units, refilled by the
-- per-minute allowance every nanosecond, as the in-memory TokenBucket counts.

CREATE TABLE usage_ledger (
    ledger_key VARCHAR(1024) NOT NULL PRIMARY KEY,
    per_minute BIGINT        NOT NULL,
    level      BIGINT        NOT NULL,
    -- The database clock, in nanoseconds since the epoch, when the level was last brought up to date.
    at_nanos   BIGINT        NOT NULL
);
