-- 8: when each upload was recorded. Blobs that no document cites are
-- collected after a retention period; an upload recorded within it keeps
-- its blob, and a device may cite a blob through its own upload only while
-- that upload is recent (half the retention), so a blob is never collected
-- between a device's check and its document's commit. Uploads recorded
-- before this step count from the time it ran.
ALTER TABLE blob_uploads ADD COLUMN uploaded_at INTEGER NOT NULL DEFAULT 0;
UPDATE blob_uploads SET uploaded_at = CAST(strftime('%s', 'now') AS INTEGER);
