-- 1: users and devices, reference data (sites, templates), documents
-- with the change feed, and which documents cite which blobs.
-- `IF NOT EXISTS`: databases made before the schema was versioned already
-- hold exactly these tables, and adopt version 1 unchanged.
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, area TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (id TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, site_id TEXT NOT NULL, area TEXT NOT NULL,
    snapshot BYTEA NOT NULL, version BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_area ON documents (area);
CREATE TABLE IF NOT EXISTS changes (
    seq BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL, hash TEXT NOT NULL, bytes BYTEA NOT NULL,
    device_id TEXT NOT NULL, UNIQUE (doc_id, hash));
CREATE TABLE IF NOT EXISTS blob_refs (hash TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (hash, doc_id));
