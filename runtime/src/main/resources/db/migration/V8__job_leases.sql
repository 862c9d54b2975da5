-- Row leases on the jobs a server runs in the background, so that several replicas on one database run each job
-- once and another replica resumes a job whose runner died. Additive only: a pre-V8 row has no lease (both NULL),
-- which reads as claimable.
--   lease_owner      the replica that holds (or last held) the job: a random id each server makes at start
--   lease_expires_at when the lease ends unless its owner renews it (BIGINT milliseconds, as every instant);
--                    NULL once released
-- A replica claims a job with one conditional UPDATE (the lease is free, expired or already its own); one row
-- updated is the claim. SQLite adds one column per statement.

ALTER TABLE customization_jobs ADD COLUMN lease_owner VARCHAR(128);
ALTER TABLE customization_jobs ADD COLUMN lease_expires_at BIGINT;
ALTER TABLE ingestion_jobs ADD COLUMN lease_owner VARCHAR(128);
ALTER TABLE ingestion_jobs ADD COLUMN lease_expires_at BIGINT;
