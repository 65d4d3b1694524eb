-- 8: the feed is ordered by transaction id, not by `seq` under a lock.
-- Until now every commit took one database-wide advisory lock so that the
-- BIGSERIAL `seq` followed commit order; that serialised every commit of
-- every server process. From here each change row carries `pos`: its
-- transaction's id (`pg_current_xact_id()`, 64-bit, never wraps) plus the
-- constant `feed_base`, shared by all rows of one commit, with `seq` left
-- as the order within it. Readers stop below the oldest transaction still
-- running (see the crate's doc), so no lock is needed for commit order.
--
-- Old rows keep their place: `pos = seq`, so the old cursors devices hold
-- (old `seq` numbers) still mean "seen everything up to here". `feed_base`
-- lifts new positions above every old one: a build that writes `pos` runs
-- only after this step has committed, so every transaction writing a change
-- from now on has a higher id than this one, and a position above MAX(seq).
-- Servers of an older build must be stopped before this runs: their
-- inserts give no `pos`, and are refused.
ALTER TABLE changes ADD COLUMN pos BIGINT;
UPDATE changes SET pos = seq;
ALTER TABLE changes ALTER COLUMN pos SET NOT NULL;
CREATE INDEX changes_by_position ON changes (pos, seq);
INSERT INTO counters (name, value)
SELECT 'feed_base', GREATEST(0, COALESCE(MAX(seq), 0) + 1 - pg_current_xact_id()::text::bigint) FROM changes;
