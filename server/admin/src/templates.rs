//! Checklist template versions: publishing one (validated by the domain,
//! never replacing a version inspections may point at, built-in versions
//! included) and listing what devices receive, built-in and published.

use redline_domain::template::{Template, TemplateError, builtin_templates};
use redline_storage::{Storage, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Invalid(#[from] TemplateError),
    #[error("template {id} v{version} is already published")]
    AlreadyPublished { id: String, version: u32 },
    #[error(transparent)]
    Storage(StorageError),
}

/// Validates and publishes a template version; an existing version is
/// never replaced (inspections point at it), nor a built-in one.
pub async fn publish_template(storage: &dyn Storage, json: &str) -> Result<Template, PublishError> {
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let t = Template::from_json(json)?;
    if builtin_templates().iter().any(|b| b.id == t.id && b.version == t.version) {
        return Err(PublishError::AlreadyPublished { id: t.id, version: t.version });
    }
    storage.put_template(&t.id, t.version, json).await.map_err(|e| match e {
        StorageError::Duplicate(_) => PublishError::AlreadyPublished { id: t.id.clone(), version: t.version },
        other => PublishError::Storage(other),
    })?;
    Ok(t)
}

/// One template version as the admin pages list it.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateVersion {
    pub id: String,
    pub version: u32,
    pub title_zh: String,
    pub title_en: String,
    /// The site category code (`food`, `hazardous_chemicals`...).
    pub category: String,
    pub items: usize,
    /// Shipped inside the apps rather than published on this server.
    pub builtin: bool,
}

impl TemplateVersion {
    fn of(t: &Template, builtin: bool) -> TemplateVersion {
        let category = serde_json::to_value(t.category).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        TemplateVersion {
            id: t.id.clone(),
            version: t.version,
            title_zh: t.title.zh.clone(),
            title_en: t.title.en.clone(),
            category,
            items: t.items().count(),
            builtin,
        }
    }
}

/// Every template version, built-in and published, by id then version. A
/// stored template that no longer parses is left out, as the server's
/// scoring leaves it out.
pub async fn list_templates(storage: &dyn Storage) -> Result<Vec<TemplateVersion>, StorageError> {
    let mut all: Vec<TemplateVersion> = builtin_templates().iter().map(|t| TemplateVersion::of(t, true)).collect();
    for json in storage.templates().await? {
        if let Ok(t) = Template::from_json(&json) {
            all.push(TemplateVersion::of(&t, false));
        }
    }
    all.sort_by(|a, b| (&a.id, a.version).cmp(&(&b.id, b.version)));
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redline_domain::template::builtin_template;

    #[tokio::test]
    async fn versions_are_listed_and_none_is_replaced_built_in_or_published() {
        let (s, _dir) = crate::testing::storage().await;
        let mut food = serde_json::to_value(builtin_template("food_safety").unwrap()).unwrap();
        let again = publish_template(s.as_ref(), &food.to_string()).await.unwrap_err();
        assert!(matches!(again, PublishError::AlreadyPublished { version: 1, .. }), "{again}");
        food["version"] = 2.into();
        publish_template(s.as_ref(), &format!("\u{feff}{food}")).await.unwrap();
        assert!(matches!(publish_template(s.as_ref(), &food.to_string()).await, Err(PublishError::AlreadyPublished { .. })));
        let listed = list_templates(s.as_ref()).await.unwrap();
        let food: Vec<(u32, bool)> = listed.iter().filter(|t| t.id == "food_safety").map(|t| (t.version, t.builtin)).collect();
        assert_eq!(food, [(1, true), (2, false)]);
        assert_eq!(listed.iter().filter(|t| t.builtin).count(), builtin_templates().len());
        assert!(listed.iter().all(|t| t.items > 0 && !t.category.is_empty()));
    }

    #[tokio::test]
    async fn a_bad_item_is_named_and_nothing_is_stored() {
        let (s, _dir) = crate::testing::storage().await;
        let mut t = serde_json::to_value(builtin_template("food_safety").unwrap()).unwrap();
        t["version"] = 3.into();
        let item = t["sections"][0]["items"][0]["id"].as_str().unwrap().to_string();
        t["sections"][0]["items"][0]["text"]["en"] = "".into();
        let e = publish_template(s.as_ref(), &t.to_string()).await.unwrap_err();
        assert_eq!(e.to_string(), format!("item {item}, field text: both zh and en text are required"));
        assert!(s.templates().await.unwrap().is_empty());
    }
}
