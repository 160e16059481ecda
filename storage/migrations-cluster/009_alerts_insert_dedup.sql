-- Cluster variant of 009: ReplicatedMergeTree drops an identical second insert of a block by
-- default; the window is set explicitly so that a redone detection job's alert write is dropped
-- whatever the server's default.
ALTER TABLE alerts_local ON CLUSTER '{cluster}' MODIFY SETTING replicated_deduplication_window = 1000;
