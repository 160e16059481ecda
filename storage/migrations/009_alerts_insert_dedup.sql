-- A detection job that dies after writing a vendor's alert changes but before recording its
-- step is redone by another worker, which writes the same rows again (same transitions, same
-- step, same updated_at): keep the hashes of the last inserted blocks so that the engine drops
-- an identical second insert, as ReplicatedMergeTree does by default. Found by test/scale: a
-- worker SIGKILLed mid-job left every state change of its step twice in the history.
ALTER TABLE alerts MODIFY SETTING non_replicated_deduplication_window = 1000;
