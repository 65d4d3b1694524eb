//! Shared set-up for the core's integration tests: identities, a seeded
//! site, and stores in temporary directories (real SQLite files).
#![allow(dead_code)]

pub mod edits;

use redline_device::people::{Identity, Role};
use redline_device::site::{GeoPoint, Site};
use redline_device::store::Store;
use redline_device::template::SiteCategory;
use std::path::Path;

pub fn identity(user: &str, role: Role) -> Identity {
    Identity { user_id: user.to_string(), name: format!("{user} 名"), role, device_id: uuid::Uuid::new_v4().to_string() }
}

pub fn site(id: &str, name: &str) -> Site {
    Site {
        id: id.to_string(),
        name: name.to_string(),
        address: "杭州市西湖区文三路 1 号".into(),
        area: "zj/hz/xh/c01".into(),
        categories: vec![SiteCategory::HazardousChemicals, SiteCategory::Food],
        location: Some(GeoPoint { lat: 30.27, lon: 120.15 }),
        contact_name: Some("王经理".into()),
        contact_phone: Some("13800000000".into()),
        risk: None,
    }
}

pub fn open(dir: &Path, name: &str, who: Identity) -> Store {
    let store = Store::open(dir.join(name), who).expect("open store");
    store.put_sites(&[site("site-1", "西湖化工仓库"), site("site-2", "文三路烟花店")]).expect("sites");
    store
}

/// A small JPEG-like payload; the store treats photo bytes as opaque.
pub fn photo(tag: &str) -> Vec<u8> {
    format!("\u{FFFD}JPEG-{tag}").into_bytes()
}
