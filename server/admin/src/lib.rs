//! Administration: users with role and scope, device registration and
//! tokens, sites (one by one or from CSV), template versions, and the demo
//! district a first start seeds. Each operation is a function used by the
//! CLI (`redline-server admin …`), by the admin API (`/v1/admin/…`, admin
//! tokens only) and by the dashboard's admin pages; none knows HTTP.

pub mod seed;
pub mod sessions;
pub mod sites;
pub mod templates;
pub mod tokens;
pub mod users;

pub use sites::{ImportError, import_sites_csv};
pub use templates::{PublishError, publish_template};

use redline_domain::time::now_millis;
use redline_storage::{Storage, StorageError};
use serde::{Deserialize, Serialize};
use tokens::{new_token, token_hash};

/// How long a device token lives unless renewed.
pub const TOKEN_DAYS: i64 = 365;

#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceToken {
    pub device_id: String,
    pub user_id: String,
    /// Shown once; only its hash is stored.
    pub token: String,
}

pub async fn register_device(storage: &dyn Storage, user_id: &str) -> Result<DeviceToken, StorageError> {
    let device_id = uuid::Uuid::new_v4().to_string();
    let token = new_token();
    storage.add_device(&device_id, user_id, &token_hash(&token), now_millis() + TOKEN_DAYS * 86_400_000).await?;
    Ok(DeviceToken { device_id, user_id: user_id.into(), token })
}

#[cfg(test)]
pub(crate) mod testing {
    use redline_domain::people::Role;
    use redline_storage::{Scope, Storage, UserRecord};
    use std::sync::Arc;

    /// A fresh SQLite storage with an inspector, a supervisor and an admin.
    pub async fn storage() -> (Arc<dyn Storage>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let s: Arc<dyn Storage> = Arc::new(redline_storage_sqlite::SqliteStorage::open(&dir.path().join("t.db")).expect("sqlite"));
        for (id, role) in [("insp-1", Role::Inspector), ("sup-1", Role::Supervisor), ("admin", Role::Admin)] {
            let scope = Scope { areas: vec!["zj".into()], sites: vec![] };
            s.put_user(&UserRecord { id: id.into(), name: format!("{id}-名"), role, scope }).await.expect("user");
        }
        (s, dir)
    }
}
