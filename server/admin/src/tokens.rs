//! Device tokens: random, shown once, stored only as their SHA-256; and
//! the devices of each user as the admin pages list them (a token is never
//! shown again, only the device it belongs to).

use redline_storage::sql::Sql;
use redline_storage::{Storage, StorageError, StorageResult};
use sha2::{Digest, Sha256};

/// A new token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A registered device, without its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub device_id: String,
    pub user_id: String,
    pub expires_at: i64,
    pub revoked: bool,
}

/// The devices of `user_id` (every user's when `None`), by user then id.
pub async fn devices(storage: &dyn Storage, user_id: Option<&str>) -> StorageResult<Vec<DeviceRow>> {
    let mut q = Sql::new(storage.dialect());
    q.push("SELECT id, user_id, expires_at, revoked FROM devices");
    if let Some(u) = user_id {
        q.push(" WHERE user_id = ").bind(u);
    }
    q.push(" ORDER BY user_id, id");
    storage
        .query(q)
        .await?
        .iter()
        .map(|r| {
            let text = |i: usize| r.get(i).and_then(|v| v.text()).map(str::to_string);
            let int = |i: usize| r.get(i).and_then(|v| v.int());
            match (text(0), text(1), int(2), int(3)) {
                (Some(device_id), Some(user_id), Some(expires_at), Some(revoked)) => {
                    Ok(DeviceRow { device_id, user_id, expires_at, revoked: revoked != 0 })
                }
                _ => Err(StorageError::Corrupt("device row".into())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::storage;

    #[tokio::test]
    async fn devices_are_listed_per_user_without_their_tokens() {
        let (s, _dir) = storage().await;
        let a = crate::register_device(s.as_ref(), "insp-1").await.unwrap();
        let b = crate::register_device(s.as_ref(), "admin").await.unwrap();
        assert!(s.revoke_device(&a.device_id).await.unwrap());
        let mine = devices(s.as_ref(), Some("insp-1")).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].device_id.as_str(), mine[0].revoked), (a.device_id.as_str(), true));
        let all = devices(s.as_ref(), None).await.unwrap();
        assert_eq!(all.iter().map(|d| d.user_id.as_str()).collect::<Vec<_>>(), ["admin", "insp-1"]);
        assert!(!all.iter().any(|d| d.device_id == b.token || d.device_id == a.token));
    }
}
