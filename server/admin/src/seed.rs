//! A demo region for a first start, so a newcomer can sync a phone at once:
//! the lake district of Nanhu, Jiaxing, with two communities, sites of every built-in category, one
//! user of each role, and a device token for each, printed once.

use crate::{DeviceToken, register_device};
use redline_domain::people::Role;
use redline_domain::site::{GeoPoint, RiskColour, Site};
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

/// Risk colours (红橙黄蓝 grading, here red/orange/yellow/green) a district
/// office assigned its demo sites.
fn with_risk(mut s: Site, risk: RiskColour) -> Site {
    s.risk = Some(risk);
    s
}

/// Who may sign in to the dashboard of a demo server, and with what: a
/// demo's password is printed at first start and named in the README.
pub const DEMO_LOGINS: &[&str] = &["supervisor-li", "admin"];
pub const DEMO_PASSWORD: &str = "redline-demo";

pub fn demo_sites() -> Vec<Site> {
    let (xjd, qx) = ("zj/jx/nh/xjd", "zj/jx/nh/qx");
    use RiskColour::*;
    let sites = vec![
        site("nh-chem-01", "湘家荡精细化工仓储", "湘家荡区域亚太路 18 号", xjd, vec![HazardousChemicals], 30.8231, 120.8512),
        site("nh-boiler-01", "湘家荡供暖锅炉房", "湘家荡区域湘湖路 77 号", xjd, vec![SpecialEquipment], 30.8177, 120.8608),
        site("nh-dust-01", "湘家荡木制品加工厂", "湘家荡区域民主路 5 号", xjd, vec![ThreePlacesThreeEnterprises], 30.8260, 120.8455),
        site("nh-food-02", "湘家荡湖鲜楼", "湘家荡区域沿湖路 9 号", xjd, vec![Food], 30.8205, 120.8570),
        site("nh-fw-02", "湘家荡烟花爆竹经营部", "湘家荡区域荡湾路 32 号", xjd, vec![FireworksRetail], 30.8290, 120.8530),
        site("nh-fw-01", "七星烟花爆竹零售点", "七星街道东进路 302 号", qx, vec![FireworksRetail], 30.7952, 120.8236),
        site("nh-food-01", "七星老街农家菜馆", "七星街道老街 12 号", qx, vec![Food], 30.7921, 120.8190),
        site("nh-chem-02", "七星油漆涂料门市", "七星街道七星路 66 号", qx, vec![HazardousChemicals], 30.7980, 120.8270),
        site("nh-shop-01", "七星小商品市场", "七星街道新兴路 8 号", qx, vec![ThreePlacesThreeEnterprises], 30.7900, 120.8300),
        site("nh-boiler-02", "七星食品厂蒸汽锅炉", "七星街道工业园 3 号", qx, vec![SpecialEquipment], 30.8010, 120.8150),
    ];
    let risks = [Red, Orange, Yellow, Green, Orange, Orange, Yellow, Yellow, Green, Yellow];
    sites.into_iter().zip(risks).map(|(s, r)| with_risk(s, r)).collect()
}

/// Users and their scopes: the district inspector and supervisor see both
/// communities (Xiangjiadang and Qixing, Nanhu district, Jiaxing); each
/// assistant sees only their own.
pub fn demo_users() -> Vec<UserRecord> {
    let scope = |areas: &[&str]| Scope { areas: areas.iter().map(|a| a.to_string()).collect(), sites: vec![] };
    vec![
        UserRecord { id: "admin".into(), name: "系统管理员".into(), role: Role::Admin, scope: scope(&[""]) },
        UserRecord { id: "supervisor-li".into(), name: "李主任".into(), role: Role::Supervisor, scope: scope(&["zj/jx/nh"]) },
        UserRecord { id: "inspector-zhang".into(), name: "张检查员".into(), role: Role::Inspector, scope: scope(&["zj/jx/nh"]) },
        UserRecord {
            id: "assistant-wang".into(),
            name: "王安全员".into(),
            role: Role::CommunityAssistant,
            scope: scope(&["zj/jx/nh/xjd"]),
        },
        UserRecord {
            id: "assistant-chen".into(), name: "陈安全员".into(), role: Role::CommunityAssistant, scope: scope(&["zj/jx/nh/qx"])
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
