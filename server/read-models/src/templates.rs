//! The checklists the server scores inspections with: the built-in ones
//! and every version published through the admin tools, keyed by id and
//! version, so an inspection is scored by exactly the checklist it was
//! filled in on.

use redline_domain::template::{Template, builtin_templates};
use std::collections::HashMap;

#[derive(Default)]
pub struct TemplateBook {
    by_key: HashMap<(String, u32), Template>,
}

impl TemplateBook {
    /// The built-in checklists plus `published` (template JSON as stored);
    /// a stored template that does not parse is skipped, and inspections
    /// on it are listed without an outcome.
    pub fn new(published: &[String]) -> TemplateBook {
        let mut by_key = HashMap::new();
        for t in builtin_templates() {
            by_key.insert((t.id.clone(), t.version), t.clone());
        }
        for json in published {
            if let Ok(t) = Template::from_json(json) {
                by_key.insert((t.id.clone(), t.version), t);
            }
        }
        TemplateBook { by_key }
    }

    pub fn get(&self, id: &str, version: u32) -> Option<&Template> {
        self.by_key.get(&(id.to_string(), version))
    }

    pub fn contains(&self, id: &str, version: u32) -> bool {
        self.get(id, version).is_some()
    }

    pub fn all(&self) -> impl Iterator<Item = &Template> {
        self.by_key.values()
    }
}
