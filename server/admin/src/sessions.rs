//! Passwords and sessions of the dashboard, kept in the server's database
//! (migration 4) through the storage's portable SQL. A password is an
//! argon2id PHC string; a session is a random secret in an `HttpOnly`
//! cookie whose SHA-256 is the row's key, with an expiry, a CSRF token and
//! a revoked flag, listed per user.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use redline_domain::people::Role;
use redline_domain::time::now_millis;
use redline_storage::sql::Sql;
use redline_storage::{Principal, Scope, Storage, StorageError, StorageResult};
use sha2::Digest;

/// The session cookie's name (the dashboard sets it; the JSON API reads it).
pub const COOKIE: &str = "redline_session";

/// How long a session lasts after sign-in.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// A random secret from the OS source, as device tokens are made.
pub fn secret() -> String {
    crate::tokens::new_token()
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least 10 characters")]
    TooShort,
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Sets (or replaces) a user's password; revokes the user's sessions.
pub async fn set_password(storage: &dyn Storage, user_id: &str, password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < 10 {
        return Err(PasswordError::TooShort);
    }
    if !storage.users().await?.iter().any(|u| u.id == user_id) {
        return Err(StorageError::NotFound(format!("user {user_id}")).into());
    }
    let phc = Argon2::default().hash_password(password.as_bytes()).map_err(|e| PasswordError::Hash(e.to_string()))?.to_string();
    let d = storage.dialect();
    let mut del = Sql::new(d);
    del.push("DELETE FROM web_passwords WHERE user_id = ").bind(user_id);
    let ins = Sql::insert(d, "web_passwords", &["user_id", "hash", "set_at"], vec![user_id.into(), phc.into(), now_millis().into()]);
    let mut revoke = Sql::new(d);
    revoke.push("UPDATE web_sessions SET revoked = 1 WHERE user_id = ").bind(user_id);
    storage.execute(vec![del, ins, revoke]).await?;
    Ok(())
}

/// A dummy hash verified when the user has no password, so "no such user"
/// and "wrong password" cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| Argon2::default().hash_password(b"no such user here").map(|h| h.to_string()).unwrap_or_default())
}

/// Whether `password` is the user's. Runs argon2 on the blocking pool.
pub async fn check_password(storage: &dyn Storage, user_id: &str, password: &str) -> StorageResult<bool> {
    let mut q = Sql::new(storage.dialect());
    q.push("SELECT hash FROM web_passwords WHERE user_id = ").bind(user_id);
    let stored = storage.query(q).await?.first().and_then(|r| r.first()).and_then(|v| v.text().map(str::to_string));
    let (phc, real) = match stored {
        Some(h) => (h, true),
        None => (dummy_hash().to_string(), false),
    };
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .map_err(StorageError::database)?;
    Ok(ok && real)
}

/// A signed-in user as a page sees them.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub csrf: String,
    pub expires_at: i64,
    pub id_hash: String,
}

impl Session {
    /// The principal the dashboard acts as: the user, on a device id of
    /// its own, so its changes carry the user's actor for that device.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.user_id.clone(),
            name: self.name.clone(),
            role: self.role,
            scope: self.scope.clone(),
            device_id: format!("dashboard-{}", self.user_id),
            token_expires_at: self.expires_at,
        }
    }
}

/// Starts a session; returns the cookie's secret.
pub async fn open(storage: &dyn Storage, user_id: &str, agent: &str) -> StorageResult<String> {
    let secret = secret();
    let now = now_millis();
    let agent: String = agent.chars().take(200).collect();
    let row = Sql::insert(
        storage.dialect(),
        "web_sessions",
        &["id_hash", "user_id", "csrf", "created_at", "expires_at", "last_seen", "revoked", "agent"],
        vec![
            hash_secret(&secret).into(),
            user_id.into(),
            self::secret().into(),
            now.into(),
            (now + SESSION_MS).into(),
            now.into(),
            0i64.into(),
            agent.into(),
        ],
    );
    storage.execute(vec![row]).await?;
    Ok(secret)
}

/// The live session of a cookie's secret, if any.
pub async fn find(storage: &dyn Storage, secret: &str) -> StorageResult<Option<Session>> {
    let id_hash = hash_secret(secret);
    let mut q = Sql::new(storage.dialect());
    q.push("SELECT s.user_id, u.name, u.role, u.scope, s.csrf, s.expires_at FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ")
        .bind(id_hash.as_str())
        .push(" AND s.revoked = 0 AND s.expires_at > ")
        .bind(now_millis());
    let Some(row) = storage.query(q).await?.into_iter().next() else { return Ok(None) };
    let text = |i: usize| {
        row.get(i).and_then(|v| v.text()).map(str::to_string).ok_or_else(|| StorageError::Corrupt(format!("session column {i}")))
    };
    let (user_id, name, role, scope, csrf) = (text(0)?, text(1)?, text(2)?, text(3)?, text(4)?);
    let expires_at = row.get(5).and_then(|v| v.int()).ok_or_else(|| StorageError::Corrupt("session expiry".into()))?;
    let role = Role::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("role {role}")))?;
    let scope = serde_json::from_str(&scope).map_err(|e| StorageError::Corrupt(format!("scope: {e}")))?;
    Ok(Some(Session { user_id, name, role, scope, csrf, expires_at, id_hash }))
}

/// Ends one session (logout).
pub async fn revoke(storage: &dyn Storage, id_hash: &str) -> StorageResult<()> {
    let mut q = Sql::new(storage.dialect());
    q.push("UPDATE web_sessions SET revoked = 1 WHERE id_hash = ").bind(id_hash);
    storage.execute(vec![q]).await
}

/// One of a user's sessions as the admin pages list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The row's key: the SHA-256 of the cookie's secret, which it does
    /// not reveal.
    pub id_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
    pub agent: String,
}

impl SessionInfo {
    pub fn live(&self, now: i64) -> bool {
        !self.revoked && self.expires_at > now
    }
}

/// A user's sessions, newest first.
pub async fn list(storage: &dyn Storage, user_id: &str) -> StorageResult<Vec<SessionInfo>> {
    let mut q = Sql::new(storage.dialect());
    q.push("SELECT id_hash, created_at, expires_at, revoked, agent FROM web_sessions WHERE user_id = ")
        .bind(user_id)
        .push(" ORDER BY created_at DESC, id_hash");
    storage
        .query(q)
        .await?
        .iter()
        .map(|r| {
            let int = |i: usize| r.get(i).and_then(|v| v.int()).ok_or_else(|| StorageError::Corrupt(format!("session column {i}")));
            let text = |i: usize| r.get(i).and_then(|v| v.text()).unwrap_or_default().to_string();
            Ok(SessionInfo { id_hash: text(0), created_at: int(1)?, expires_at: int(2)?, revoked: int(3)? != 0, agent: text(4) })
        })
        .collect()
}

/// Ends one session of `user_id` (an admin's revoke): a key that is not
/// one of that user's sessions changes nothing.
pub async fn revoke_of(storage: &dyn Storage, user_id: &str, id_hash: &str) -> StorageResult<()> {
    let mut q = Sql::new(storage.dialect());
    q.push("UPDATE web_sessions SET revoked = 1 WHERE user_id = ").bind(user_id).push(" AND id_hash = ").bind(id_hash);
    storage.execute(vec![q]).await
}

/// Ends every session of `user_id`.
pub async fn revoke_all(storage: &dyn Storage, user_id: &str) -> StorageResult<()> {
    let mut q = Sql::new(storage.dialect());
    q.push("UPDATE web_sessions SET revoked = 1 WHERE user_id = ").bind(user_id);
    storage.execute(vec![q]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::storage;

    #[tokio::test]
    async fn an_admin_revokes_one_session_of_the_user_it_belongs_to() {
        let (s, _dir) = storage().await;
        let s = s.as_ref();
        let (first, _second) = (open(s, "insp-1", "phone").await.unwrap(), open(s, "insp-1", "laptop").await.unwrap());
        let other = open(s, "sup-1", "desk").await.unwrap();
        let listed = list(s, "insp-1").await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|i| i.live(now_millis())));
        let key = hash_secret(&first);
        revoke_of(s, "sup-1", &key).await.unwrap();
        assert!(find(s, &first).await.unwrap().is_some(), "another user's key revokes nothing");
        revoke_of(s, "insp-1", &key).await.unwrap();
        assert!(find(s, &first).await.unwrap().is_none());
        assert_eq!(list(s, "insp-1").await.unwrap().iter().filter(|i| i.revoked).count(), 1);
        revoke_all(s, "insp-1").await.unwrap();
        assert!(list(s, "insp-1").await.unwrap().iter().all(|i| i.revoked));
        assert!(find(s, &other).await.unwrap().is_some(), "only that user's sessions end");
    }
}
