//! The admin API (`/v1/admin/…`): thin handlers over `redline-admin`, for
//! admin tokens only. The role is checked before the body is read, so a
//! non-admin learns nothing from how a body would have been parsed.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use redline_admin::{DeviceToken, ImportError, import_sites_csv, publish_template, register_device};
use redline_domain::people::Role;
use redline_domain::site::Site;
use redline_storage::{Principal, UserRecord};
use serde::Deserialize;

/// The caller, known to be an administrator. An extractor, so it runs
/// before the body is read: a non-admin gets 403 whatever the body holds.
pub struct Admin(pub Principal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let who = Principal::from_request_parts(parts, state).await?;
        if who.role == Role::Admin { Ok(Admin(who)) } else { Err(ApiError::Forbidden("administrators only".into())) }
    }
}

pub async fn put_user(State(s): State<AppState>, _admin: Admin, Json(u): Json<UserRecord>) -> Result<Json<UserRecord>, ApiError> {
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

pub async fn add_device(State(s): State<AppState>, _admin: Admin, Json(d): Json<NewDevice>) -> Result<Json<DeviceToken>, ApiError> {
    Ok(Json(register_device(s.storage.as_ref(), &d.user_id).await?))
}

pub async fn revoke_device(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> Result<Json<bool>, ApiError> {
    if !s.storage.revoke_device(&id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(true))
}

pub async fn put_site(State(s): State<AppState>, _admin: Admin, Json(site): Json<Site>) -> Result<Json<Site>, ApiError> {
    if site.id.trim().is_empty() || site.area.trim().is_empty() {
        return Err(ApiError::BadRequest("a site needs an id and an area".into()));
    }
    s.storage.put_site(&site).await?;
    Ok(Json(site))
}

pub async fn import_sites(State(s): State<AppState>, _admin: Admin, body: String) -> Result<Json<usize>, ApiError> {
    import_sites_csv(s.storage.as_ref(), &body).await.map(Json).map_err(|e| match e {
        ImportError::Storage(e) => e.into(),
        line => ApiError::BadRequest(line.to_string()),
    })
}

pub async fn put_template(State(s): State<AppState>, _admin: Admin, body: String) -> Result<Json<String>, ApiError> {
    let t = publish_template(s.storage.as_ref(), &body).await?;
    Ok(Json(format!("{} v{}", t.id, t.version)))
}
