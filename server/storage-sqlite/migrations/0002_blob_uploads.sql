-- 2: which device sent every byte of which blob. A document may cite a
-- blob only when the uploading device sent it itself, when a document in
-- the device's scope already cites it, or when the document cited it
-- before; this table answers the first. A row is written only after the
-- bytes were verified against the hash, never for a claim of completion.
CREATE TABLE blob_uploads (hash TEXT NOT NULL, device_id TEXT NOT NULL, PRIMARY KEY (hash, device_id));
