//! Administration: users with role and scope, device registration and
//! tokens, sites (one by one or from CSV), template versions, and the demo
//! district a first start seeds. Each operation is a function used by the
//! CLI (`redline-server admin …`), by the admin API (`/v1/admin/…`, admin
//! tokens only) and by the dashboard's admin pages; none knows HTTP.

pub mod seed;
pub mod sessions;
pub mod tokens;

use redline_domain::site::{GeoPoint, Site};
use redline_domain::template::{SiteCategory, Template};
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

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Imports sites from CSV with the header
/// `id,name,address,area,categories,lat,lon,contact_name,contact_phone`
/// (categories separated by `;`). Checks every line before writing any.
pub async fn import_sites_csv(storage: &dyn Storage, text: &str) -> Result<usize, ImportError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut sites = vec![];
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let bad = |reason: String| ImportError::Line { line, reason };
        let r = record.map_err(|e| bad(e.to_string()))?;
        let field = |n: usize| r.get(n).unwrap_or("").to_string();
        if field(0).is_empty() || field(1).is_empty() || field(3).is_empty() {
            return Err(bad("id, name and area are required".into()));
        }
        let categories = field(4)
            .split(';')
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                serde_json::from_value::<SiteCategory>(serde_json::Value::String(c.trim().into()))
                    .map_err(|_| bad(format!("unknown category {c:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let location = match (field(5).parse::<f64>(), field(6).parse::<f64>()) {
            (Ok(lat), Ok(lon)) if (GeoPoint { lat, lon }).is_valid() => Some(GeoPoint { lat, lon }),
            _ if field(5).is_empty() && field(6).is_empty() => None,
            _ => return Err(bad("lat/lon are not a valid coordinate".into())),
        };
        let opt = |s: String| (!s.is_empty()).then_some(s);
        sites.push(Site {
            id: field(0),
            name: field(1),
            address: field(2),
            area: field(3),
            categories,
            location,
            contact_name: opt(field(7)),
            contact_phone: opt(field(8)),
            risk: None,
        });
    }
    for s in &sites {
        storage.put_site(s).await?;
    }
    Ok(sites.len())
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Invalid(#[from] redline_domain::template::TemplateError),
    #[error("template {id} v{version} is already published")]
    AlreadyPublished { id: String, version: u32 },
    #[error(transparent)]
    Storage(StorageError),
}

/// Validates and publishes a template version; an existing version is
/// never replaced (inspections point at it).
pub async fn publish_template(storage: &dyn Storage, json: &str) -> Result<Template, PublishError> {
    let t = Template::from_json(json)?;
    storage.put_template(&t.id, t.version, json).await.map_err(|e| match e {
        StorageError::Duplicate(_) => PublishError::AlreadyPublished { id: t.id.clone(), version: t.version },
        other => PublishError::Storage(other),
    })?;
    Ok(t)
}
