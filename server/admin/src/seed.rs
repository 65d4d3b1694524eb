//! A demo region for a first start, so a newcomer can sync a phone at once:
//! a district with two communities, sites of every built-in category, one
//! user of each role, and a device token for each, printed once.

use crate::{DeviceToken, register_device};
use redline_domain::people::Role;
use redline_domain::site::{GeoPoint, Site};
use redline_domain::template::SiteCategory::*;
use redline_storage::{Scope, Storage, StorageError, UserRecord};

fn site(
    id: &str,
    name: &str,
    address: &str,
    area: &str,
    categories: Vec<redline_domain::template::SiteCategory>,
    lat: f64,
    lon: f64,
) -> Site {
    Site {
        id: id.into(),
        name: name.into(),
        address: address.into(),
        area: area.into(),
        categories,
        location: Some(GeoPoint { lat, lon }),
        contact_name: Some("现场负责人".into()),
        contact_phone: None,
        risk: None,
    }
}

/// Who may sign in to the dashboard of a demo server, and with what: a
/// demo's password is printed at first start and named in the README.
pub const DEMO_LOGINS: &[&str] = &["supervisor-li", "admin"];
pub const DEMO_PASSWORD: &str = "redline-demo";

pub fn demo_sites() -> Vec<Site> {
    vec![
        site("xh-chem-01", "西湖精细化工仓储", "转塘街道创意路 18 号", "zj/hz/xh/zt", vec![HazardousChemicals], 30.16, 120.09),
        site("xh-fw-01", "之江路烟花爆竹零售点", "之江路 302 号", "zj/hz/xh/zt", vec![FireworksRetail], 30.17, 120.11),
        site("xh-boiler-01", "文新街道供暖锅炉房", "文一西路 77 号", "zj/hz/xh/wx", vec![SpecialEquipment], 30.28, 120.10),
        site("xh-food-01", "文新社区老杭帮菜馆", "文新路 9 号", "zj/hz/xh/wx", vec![Food], 30.28, 120.11),
        site("xh-dust-01", "转塘木制品加工厂", "象山路 5 号", "zj/hz/xh/zt", vec![ThreePlacesThreeEnterprises], 30.15, 120.08),
    ]
}

/// Users and their scopes: the district inspector and supervisor see both
/// communities; each assistant sees only their own.
pub fn demo_users() -> Vec<UserRecord> {
    let scope = |areas: &[&str]| Scope { areas: areas.iter().map(|a| a.to_string()).collect(), sites: vec![] };
    vec![
        UserRecord { id: "admin".into(), name: "系统管理员".into(), role: Role::Admin, scope: scope(&[""]) },
        UserRecord { id: "supervisor-li".into(), name: "李主任".into(), role: Role::Supervisor, scope: scope(&["zj/hz/xh"]) },
        UserRecord { id: "inspector-zhang".into(), name: "张检查员".into(), role: Role::Inspector, scope: scope(&["zj/hz/xh"]) },
        UserRecord {
            id: "assistant-wang".into(), name: "王安全员".into(), role: Role::CommunityAssistant, scope: scope(&["zj/hz/xh/zt"])
        },
        UserRecord {
            id: "assistant-chen".into(), name: "陈安全员".into(), role: Role::CommunityAssistant, scope: scope(&["zj/hz/xh/wx"])
        },
    ]
}

/// Seeds an empty server; does nothing when users exist. Returns the tokens.
pub async fn seed_if_empty(storage: &dyn Storage) -> Result<Vec<DeviceToken>, StorageError> {
    if !storage.users().await?.is_empty() {
        return Ok(vec![]);
    }
    for s in demo_sites() {
        storage.put_site(&s).await?;
    }
    let mut tokens = vec![];
    for u in demo_users() {
        storage.put_user(&u).await?;
        tokens.push(register_device(storage, &u.id).await?);
    }
    Ok(tokens)
}
