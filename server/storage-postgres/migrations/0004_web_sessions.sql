-- 4: sign-in for the supervisors' dashboard. Passwords are argon2id PHC
-- strings set by an admin; sessions are kept here (so they survive a
-- restart, can be listed per user and revoked), keyed by the SHA-256 of
-- the cookie's secret, never the secret itself, with the CSRF token every
-- state-changing form must carry.
CREATE TABLE web_passwords (user_id TEXT PRIMARY KEY, hash TEXT NOT NULL, set_at BIGINT NOT NULL);
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL, created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL, last_seen BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0, agent TEXT NOT NULL);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);
