//! Sites (enterprises and premises) that get inspected: reference data that
//! flows from the server to devices.

use crate::template::SiteCategory;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    pub fn is_valid(&self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && (-180.0..=180.0).contains(&self.lon)
    }
}

/// Colour rating some Zhejiang systems give an enterprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskColour {
    Green,
    Yellow,
    Orange,
    Red,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub address: String,
    /// Region / community path the site belongs to, e.g. `zj/hz/xh/c01`;
    /// scopes are prefixes of it.
    pub area: String,
    pub categories: Vec<SiteCategory>,
    #[serde(default)]
    pub location: Option<GeoPoint>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub risk: Option<RiskColour>,
}
