//! Who is working and where: the identity a store is opened with, the
//! people stamped on every edit, and the sites (enterprises, premises) that
//! get inspected. Sites are reference data the server sends; the app hands
//! them to the store as it receives them.

use super::mirror_enum;
use redline_device::{people, site, template};

/// The role of the user on this device; it decides what the core lets them
/// do (the server enforces the same rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// Department or district staff on patrol or enforcement.
    Inspector,
    /// Community safety assistant helping small enterprises self-inspect.
    CommunityAssistant,
    /// Safety committee office: the merged picture, listing and delisting.
    Supervisor,
    /// Administrator.
    Admin,
}
mirror_enum!(Role <=> people::Role { Inspector, CommunityAssistant, Supervisor, Admin });

/// The user working on this device: every edit is stamped with it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Identity {
    /// Stable user id from the server.
    pub user_id: String,
    /// Name shown on what the user did, e.g. "张检查员".
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Unique per installation: generate once at first launch and keep it.
    /// A reinstall must use a new one (edits are attributed by device).
    pub device_id: String,
}

impl From<Identity> for people::Identity {
    fn from(i: Identity) -> people::Identity {
        people::Identity { user_id: i.user_id, name: i.name, role: i.role.into(), device_id: i.device_id }
    }
}

impl From<people::Identity> for Identity {
    fn from(i: people::Identity) -> Identity {
        Identity { user_id: i.user_id, name: i.name, role: i.role.into(), device_id: i.device_id }
    }
}

/// A person as recorded on what they did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Person {
    /// Stable user id.
    pub user_id: String,
    /// Name shown.
    pub name: String,
}

impl From<people::Person> for Person {
    fn from(p: people::Person) -> Person {
        Person { user_id: p.user_id, name: p.name }
    }
}

impl From<Person> for people::Person {
    fn from(p: Person) -> people::Person {
        people::Person { user_id: p.user_id, name: p.name }
    }
}

/// A WGS-84 position from the phone's location service.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    /// Latitude in degrees, -90..90.
    pub lat: f64,
    /// Longitude in degrees, -180..180.
    pub lon: f64,
}

impl From<GeoPoint> for site::GeoPoint {
    fn from(g: GeoPoint) -> site::GeoPoint {
        site::GeoPoint { lat: g.lat, lon: g.lon }
    }
}

impl From<site::GeoPoint> for GeoPoint {
    fn from(g: site::GeoPoint) -> GeoPoint {
        GeoPoint { lat: g.lat, lon: g.lon }
    }
}

/// Which kind of site a template is for (and a site may be several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SiteCategory {
    /// 危险化学品 production, storage, use.
    HazardousChemicals,
    /// 烟花爆竹 production and wholesale.
    Fireworks,
    /// 烟花爆竹 retail points.
    FireworksRetail,
    /// 特种设备: boilers, pressure vessels, lifts.
    SpecialEquipment,
    /// Food businesses.
    Food,
    /// 三小场所/三合一: small shops, workshops, venues with people living in.
    ThreePlacesThreeEnterprises,
}
mirror_enum!(SiteCategory <=> template::SiteCategory {
    HazardousChemicals, Fireworks, FireworksRetail, SpecialEquipment, Food, ThreePlacesThreeEnterprises
});

/// Colour rating some Zhejiang systems give an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RiskColour {
    /// Low risk.
    Green,
    /// Moderate risk.
    Yellow,
    /// Higher risk.
    Orange,
    /// Highest risk.
    Red,
}
mirror_enum!(RiskColour <=> site::RiskColour { Green, Yellow, Orange, Red });

/// An enterprise or premises that gets inspected.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Site {
    /// Stable id from the server.
    pub id: String,
    /// Name as registered, e.g. "西湖化工仓储有限公司".
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Region / community path, e.g. `zj/hz/xh/c01`; scopes are prefixes.
    pub area: String,
    /// What kinds of checklists apply.
    pub categories: Vec<SiteCategory>,
    /// Where it is, if known.
    #[uniffi(default = None)]
    pub location: Option<GeoPoint>,
    /// The enterprise's contact person.
    #[uniffi(default = None)]
    pub contact_name: Option<String>,
    /// The contact's phone number.
    #[uniffi(default = None)]
    pub contact_phone: Option<String>,
    /// Risk colour, where the region rates enterprises.
    #[uniffi(default = None)]
    pub risk: Option<RiskColour>,
}

impl From<Site> for site::Site {
    fn from(s: Site) -> site::Site {
        site::Site {
            id: s.id,
            name: s.name,
            address: s.address,
            area: s.area,
            categories: s.categories.into_iter().map(Into::into).collect(),
            location: s.location.map(Into::into),
            contact_name: s.contact_name,
            contact_phone: s.contact_phone,
            risk: s.risk.map(Into::into),
        }
    }
}

impl From<site::Site> for Site {
    fn from(s: site::Site) -> Site {
        Site {
            id: s.id,
            name: s.name,
            address: s.address,
            area: s.area,
            categories: s.categories.into_iter().map(Into::into).collect(),
            location: s.location.map(Into::into),
            contact_name: s.contact_name,
            contact_phone: s.contact_phone,
            risk: s.risk.map(Into::into),
        }
    }
}

/// What the library is, for the about screen and for bug reports.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VersionInfo {
    /// Version of the Redline library (the crate version).
    pub library: String,
    /// Version of the local database layout this build writes; a database
    /// from a newer build is refused rather than damaged.
    pub schema: i64,
    /// Version of the sync protocol this build speaks.
    pub protocol: u32,
}

/// A colleague in this device's area (from the last sync): whom screens can
/// name and pick as a co-inspector offline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Colleague {
    /// Their user id.
    pub user_id: String,
    /// Their name as shown.
    pub name: String,
    /// Their role.
    pub role: Role,
}

impl From<redline_device::sync::wire::Colleague> for Colleague {
    fn from(c: redline_device::sync::wire::Colleague) -> Colleague {
        Colleague { user_id: c.user_id, name: c.name, role: c.role.into() }
    }
}
