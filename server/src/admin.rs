//! Administration: users with role and scope, device registration and
//! tokens, sites (one by one or from CSV), template versions. Each operation
//! is a function used both by the CLI (`redline-server admin …`) and by the
//! admin API (`/v1/admin/…`, admin tokens only).

use crate::auth::{new_token, now_millis, token_hash};
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{Principal, Storage, StorageError, UserRecord};
use axum::Json;
use axum::extract::{Path, State};
use redline_core::people::Role;
use redline_core::site::{GeoPoint, Site};
use redline_core::template::{SiteCategory, Template};
use serde::{Deserialize, Serialize};

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
            .map(|c| serde_json::from_value::<SiteCategory>(serde_json::Value::String(c.trim().into())).map_err(|_| bad(format!("unknown category {c:?}"))))
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

/// Validates and publishes a template version; an existing version is
/// never replaced (inspections point at it).
pub async fn publish_template(storage: &dyn Storage, json: &str) -> Result<Template, ApiError> {
    let t = Template::from_json(json).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    storage.put_template(&t.id, t.version, json).await.map_err(|e| match e {
        StorageError::Duplicate(_) => ApiError::Conflict(format!("template {} v{} is already published", t.id, t.version)),
        other => other.into(),
    })?;
    Ok(t)
}

fn require_admin(who: &Principal) -> Result<(), ApiError> {
    if who.role == Role::Admin { Ok(()) } else { Err(ApiError::Forbidden("administrators only".into())) }
}

pub async fn put_user(State(s): State<AppState>, who: Principal, Json(u): Json<UserRecord>) -> Result<Json<UserRecord>, ApiError> {
    require_admin(&who)?;
    if u.id.trim().is_empty() || u.name.trim().is_empty() {
        return Err(ApiError::BadRequest("a user needs an id and a name".into()));
    }
    s.storage.put_user(&u).await?;
    Ok(Json(u))
}

#[derive(Deserialize)]
pub struct NewDevice {
    pub user_id: String,
}

pub async fn add_device(State(s): State<AppState>, who: Principal, Json(d): Json<NewDevice>) -> Result<Json<DeviceToken>, ApiError> {
    require_admin(&who)?;
    Ok(Json(register_device(s.storage.as_ref(), &d.user_id).await?))
}

pub async fn revoke_device(State(s): State<AppState>, who: Principal, Path(id): Path<String>) -> Result<Json<bool>, ApiError> {
    require_admin(&who)?;
    if !s.storage.revoke_device(&id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(true))
}

pub async fn put_site(State(s): State<AppState>, who: Principal, Json(site): Json<Site>) -> Result<Json<Site>, ApiError> {
    require_admin(&who)?;
    if site.id.trim().is_empty() || site.area.trim().is_empty() {
        return Err(ApiError::BadRequest("a site needs an id and an area".into()));
    }
    s.storage.put_site(&site).await?;
    Ok(Json(site))
}

pub async fn import_sites(State(s): State<AppState>, who: Principal, body: String) -> Result<Json<usize>, ApiError> {
    require_admin(&who)?;
    import_sites_csv(s.storage.as_ref(), &body).await.map(Json).map_err(|e| match e {
        ImportError::Storage(e) => e.into(),
        line => ApiError::BadRequest(line.to_string()),
    })
}

pub async fn put_template(State(s): State<AppState>, who: Principal, body: String) -> Result<Json<String>, ApiError> {
    require_admin(&who)?;
    let t = publish_template(s.storage.as_ref(), &body).await?;
    Ok(Json(format!("{} v{}", t.id, t.version)))
}
