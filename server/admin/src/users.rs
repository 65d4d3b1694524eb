//! Users with a role and a scope, as the dashboard's admin pages create and
//! change them: ids checked (they name actors and appear in URLs), scopes
//! read from the text an admin types, creation that never overwrites an
//! existing user and changes that never invent one.

use redline_storage::{Scope, Storage, StorageError, UserRecord};

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user id is 1 to 64 ASCII letters, digits, '-', '_' or '.'")]
    BadId,
    #[error("a user needs a name")]
    NoName,
    #[error("area {0:?} is not a path like zj/hz/xh")]
    BadArea(String),
    #[error("user {0} exists already")]
    Exists(String),
    #[error("no user {0}")]
    NoSuchUser(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Splits what an admin typed (one per line, or separated by commas or
/// spaces) into entries, dropping blanks and repeats, order kept.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for part in text.split(|c: char| c == ',' || c == '，' || c.is_whitespace()).map(str::trim).filter(|p| !p.is_empty()) {
        if !out.iter().any(|o| o == part) {
            out.push(part.to_string());
        }
    }
    out
}

/// A scope from the areas and sites an admin typed; `everything` is the
/// whole region (the empty area, as the admin of the demo has).
pub fn scope_of(everything: bool, areas: &str, sites: &str) -> Result<Scope, UserError> {
    if everything {
        return Ok(Scope { areas: vec![String::new()], sites: vec![] });
    }
    let areas = split_list(areas)
        .into_iter()
        .map(|a| {
            let a = a.trim_end_matches('/').to_string();
            if a.is_empty() || a.split('/').any(str::is_empty) { Err(UserError::BadArea(a)) } else { Ok(a) }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scope { areas, sites: split_list(sites) })
}

fn check(u: &UserRecord) -> Result<(), UserError> {
    if !valid_id(&u.id) {
        return Err(UserError::BadId);
    }
    if u.name.trim().is_empty() {
        return Err(UserError::NoName);
    }
    Ok(())
}

pub async fn user(storage: &dyn Storage, id: &str) -> Result<Option<UserRecord>, StorageError> {
    Ok(storage.users().await?.into_iter().find(|u| u.id == id))
}

/// Adds a user; refuses an id that exists.
pub async fn create_user(storage: &dyn Storage, u: &UserRecord) -> Result<(), UserError> {
    check(u)?;
    if user(storage, &u.id).await?.is_some() {
        return Err(UserError::Exists(u.id.clone()));
    }
    Ok(storage.put_user(u).await?)
}

/// Changes an existing user's name, role and scope.
pub async fn update_user(storage: &dyn Storage, u: &UserRecord) -> Result<(), UserError> {
    check(u)?;
    if user(storage, &u.id).await?.is_none() {
        return Err(UserError::NoSuchUser(u.id.clone()));
    }
    Ok(storage.put_user(u).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::storage;
    use redline_domain::people::Role;

    #[test]
    fn typed_lists_and_scopes_read_as_meant() {
        assert_eq!(split_list(" zj/hz/xh/a\nzj/hz/xh/b，zj/hz/xh/a , "), ["zj/hz/xh/a", "zj/hz/xh/b"]);
        assert_eq!(
            scope_of(false, "zj/hz/xh/", "s-1 s-2").unwrap(),
            Scope { areas: vec!["zj/hz/xh".into()], sites: vec!["s-1".into(), "s-2".into()] }
        );
        assert_eq!(scope_of(true, "ignored", "").unwrap().areas, [""]);
        assert!(matches!(scope_of(false, "zj//xh", ""), Err(UserError::BadArea(_))));
        assert!(valid_id("asst-c.2") && !valid_id("a b") && !valid_id("") && !valid_id("用户"));
    }

    #[tokio::test]
    async fn creating_never_overwrites_and_updating_never_invents() {
        let (s, _dir) = storage().await;
        let u = UserRecord {
            id: "asst-c".into(),
            name: "陈安全员".into(),
            role: Role::CommunityAssistant,
            scope: scope_of(false, "zj/c", "").unwrap(),
        };
        create_user(s.as_ref(), &u).await.unwrap();
        assert!(matches!(create_user(s.as_ref(), &u).await, Err(UserError::Exists(_))));
        let promoted = UserRecord { role: Role::Inspector, ..u.clone() };
        update_user(s.as_ref(), &promoted).await.unwrap();
        assert_eq!(user(s.as_ref(), "asst-c").await.unwrap().unwrap().role, Role::Inspector);
        let ghost = UserRecord { id: "ghost".into(), ..u.clone() };
        assert!(matches!(update_user(s.as_ref(), &ghost).await, Err(UserError::NoSuchUser(_))));
        assert!(matches!(create_user(s.as_ref(), &UserRecord { name: " ".into(), id: "x".into(), ..u }).await, Err(UserError::NoName)));
    }
}
