//! The admin API (`/v1/admin/…`): thin handlers over `redline-admin`, for
//! admin tokens only. The role is checked before the body is read, so a
//! non-admin learns nothing from how a body would have been parsed.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use redline_admin::{DeviceToken, ImportError, import_sites_csv, publish_template, register_device};
use redline_domain::people::Role;
use redline_domain::site::Site;
use redline_storage::{Principal, UserRecord};
use serde::Deserialize;

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
