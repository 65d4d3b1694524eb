//! Sites from a CSV file, as the CLI, the admin API and the dashboard's
//! import page take it. Columns are found by their header, so their order
//! is free; UTF-8 with or without a byte-order mark (spreadsheets save one).
//! Every row is checked before anything is written, every bad row is
//! reported with its line and field, and the sites are then written in one
//! transaction: all of them or none.

use redline_domain::site::{GeoPoint, Site};
use redline_domain::template::SiteCategory;
use redline_storage::sql::Sql;
use redline_storage::{Storage, StorageError};
use std::collections::HashMap;
use std::fmt;

/// The columns a site CSV may have, in the order the documentation lists
/// them; `id`, `name` and `area` are required, the rest may be absent.
pub const COLUMNS: &[&str] = &["id", "name", "address", "area", "categories", "lat", "lon", "contact_name", "contact_phone"];
const REQUIRED: &[&str] = &["id", "name", "area"];

/// Rows reported at most; a file with more bad rows is refused all the same.
const REPORTED: usize = 50;

/// What is wrong with one field of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The header names a column this format does not have.
    UnknownColumn,
    /// The header lacks a required column.
    MissingColumn,
    /// The row has a different number of fields than the header.
    FieldCount {
        expected: usize,
        found: usize,
    },
    /// The CSV itself does not read (bad quoting, not UTF-8).
    Unreadable(String),
    /// A required field is empty.
    Required,
    UnknownCategory(String),
    /// lat/lon are not a valid coordinate (or only one is given).
    BadCoordinate,
    /// The id appears on an earlier line of the same file.
    DuplicateId {
        first_line: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnknownColumn => f.write_str("unknown column"),
            Problem::MissingColumn => f.write_str("required column missing"),
            Problem::FieldCount { expected, found } => write!(f, "{found} fields, the header has {expected}"),
            Problem::Unreadable(why) => write!(f, "unreadable: {why}"),
            Problem::Required => f.write_str("required"),
            Problem::UnknownCategory(c) => write!(f, "unknown category {c:?}"),
            Problem::BadCoordinate => f.write_str("lat/lon are not a valid coordinate"),
            Problem::DuplicateId { first_line } => write!(f, "the same id as line {first_line}"),
        }
    }
}

/// One bad field: its line in the file (the header is line 1) and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub problem: Problem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.problem)
        } else {
            write!(f, "line {}, {}: {}", self.line, self.field, self.problem)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bad rows (at most 50); nothing was written.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Parses and checks a site CSV: the sites, or every bad row.
pub fn parse_sites_csv(text: &str) -> Result<Vec<Site>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let header_error = |field: &str, problem| vec![RowError { line: 1, field: field.to_string(), problem }];
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(header_error("", Problem::Unreadable(e.to_string()))),
    };
    if let Some(unknown) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(header_error(unknown, Problem::UnknownColumn));
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !header.iter().any(|h| h == *r)) {
        return Err(header_error(missing, Problem::MissingColumn));
    }
    let column: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect();
    let (mut sites, mut errors) = (vec![], vec![]);
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(RowError { line, field: String::new(), problem: Problem::Unreadable(e.to_string()) });
                break;
            }
        };
        let line = r.position().map_or(0, |p| p.line() as usize);
        if r.len() != header.len() {
            errors.push(RowError { line, field: String::new(), problem: Problem::FieldCount { expected: header.len(), found: r.len() } });
            continue;
        }
        match site_of(&r, &column, line) {
            Ok(site) => match first_seen.get(&site.id) {
                Some(&first_line) => errors.push(RowError { line, field: "id".into(), problem: Problem::DuplicateId { first_line } }),
                None => {
                    first_seen.insert(site.id.clone(), line);
                    sites.push(site);
                }
            },
            Err(mut e) => errors.append(&mut e),
        }
        if errors.len() >= REPORTED {
            break;
        }
    }
    errors.truncate(REPORTED);
    if errors.is_empty() { Ok(sites) } else { Err(errors) }
}

/// One row as a site, or the row's bad fields.
fn site_of(r: &csv::StringRecord, column: &HashMap<&str, usize>, line: usize) -> Result<Site, Vec<RowError>> {
    let field = |name: &str| column.get(name).and_then(|i| r.get(*i)).unwrap_or("").to_string();
    let mut errors = vec![];
    let mut bad = |field: &str, problem| errors.push(RowError { line, field: field.to_string(), problem });
    for required in REQUIRED {
        if field(required).is_empty() {
            bad(required, Problem::Required);
        }
    }
    let mut categories = vec![];
    for c in field("categories").split(';').map(str::trim).filter(|c| !c.is_empty()) {
        match serde_json::from_value::<SiteCategory>(serde_json::Value::String(c.into())) {
            Ok(c) => categories.push(c),
            Err(_) => bad("categories", Problem::UnknownCategory(c.to_string())),
        }
    }
    let (lat, lon) = (field("lat"), field("lon"));
    let location = match (lat.parse::<f64>(), lon.parse::<f64>()) {
        (Ok(lat), Ok(lon)) if (GeoPoint { lat, lon }).is_valid() => Some(GeoPoint { lat, lon }),
        _ if lat.is_empty() && lon.is_empty() => None,
        _ => {
            bad(if lat.parse::<f64>().is_ok_and(|v| (-90.0..=90.0).contains(&v)) { "lon" } else { "lat" }, Problem::BadCoordinate);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let opt = |s: String| (!s.is_empty()).then_some(s);
    Ok(Site {
        id: field("id"),
        name: field("name"),
        address: field("address"),
        area: field("area"),
        categories,
        location,
        contact_name: opt(field("contact_name")),
        contact_phone: opt(field("contact_phone")),
        risk: None,
    })
}

/// Imports sites from CSV (see [`COLUMNS`]; categories separated by `;`).
/// A site whose id exists is replaced. Returns how many were written.
pub async fn import_sites_csv(storage: &dyn Storage, text: &str) -> Result<usize, ImportError> {
    let sites = parse_sites_csv(text).map_err(ImportError::Rows)?;
    let d = storage.dialect();
    let mut writes = vec![];
    for s in &sites {
        let json = serde_json::to_string(s).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let mut q = Sql::new(d);
        q.push("INSERT INTO sites (id, area, json) VALUES (")
            .bind(s.id.as_str())
            .push(", ")
            .bind(s.area.as_str())
            .push(", ")
            .bind(json)
            .push(") ON CONFLICT (id) DO UPDATE SET area = excluded.area, json = excluded.json");
        writes.push(q);
    }
    // Devices see new reference data by this counter, as `put_site` bumps it.
    let mut bump = Sql::new(d);
    bump.push("INSERT INTO counters (name, value) VALUES ('reference', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1");
    writes.push(bump);
    storage.execute(writes).await?;
    Ok(sites.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,name,address,area,categories,lat,lon,contact_name,contact_phone";

    #[test]
    fn a_bom_and_any_column_order_read_the_same() {
        let plain = format!("{HEADER}\ns-1,之江烟花店,之江路1号,zj/hz/xh/a,fireworks_retail,30.1,120.1,刘老板,139\n");
        let reordered = "\u{feff}name,id,area,lon,lat,categories\n之江烟花店,s-1,zj/hz/xh/a,120.1,30.1,fireworks_retail\n";
        let a = parse_sites_csv(&plain).unwrap();
        let b = parse_sites_csv(reordered).unwrap();
        assert_eq!((a[0].id.as_str(), a[0].name.as_str(), a[0].location), ("s-1", "之江烟花店", Some(GeoPoint { lat: 30.1, lon: 120.1 })));
        assert_eq!((b[0].id.as_str(), b[0].name.as_str(), b[0].location), (a[0].id.as_str(), a[0].name.as_str(), a[0].location));
        assert_eq!(b[0].contact_name, None);
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_field() {
        let text = format!(
            "{HEADER}\ns-1,好的,路1号,zj/a,food,,,,\ns-2,,路2号,zj/a,rockets,30.1,,,\ns-1,重复,路3号,zj/a,food,,,,\ns-4,少了,zj/a\n"
        );
        let errors = parse_sites_csv(&text).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "line 3, name: required",
                "line 3, categories: unknown category \"rockets\"",
                "line 3, lon: lat/lon are not a valid coordinate",
                "line 4, id: the same id as line 2",
                "line 5: 3 fields, the header has 9",
            ]
        );
    }

    #[test]
    fn the_header_must_name_known_columns_and_the_required_ones() {
        assert_eq!(parse_sites_csv("id,name,area,colour\n").unwrap_err()[0].to_string(), "line 1, colour: unknown column");
        assert_eq!(parse_sites_csv("id,name\n").unwrap_err()[0].to_string(), "line 1, area: required column missing");
        assert_eq!(parse_sites_csv("id,name,area\n").unwrap(), vec![], "a header alone imports nothing");
    }

    #[test]
    fn a_quoted_field_may_hold_commas_and_line_breaks() {
        let text = "id,name,area,address\ns-1,\"张三, 李四\",zj/a,\"一楼\n二楼\"\ns-2,,zj/a,x\n";
        assert_eq!(parse_sites_csv(text).unwrap_err()[0].to_string(), "line 4, name: required", "line numbers count the file's lines");
    }

    #[tokio::test]
    async fn an_import_writes_every_site_and_tells_devices_or_writes_nothing() {
        let (s, _dir) = crate::testing::storage().await;
        let before = s.reference_counter().await.unwrap();
        let good = "\u{feff}id,name,area,categories\ns-1,文三路小餐馆,zj/c,food\ns-2,之江烟花店,zj/c,fireworks_retail\n";
        assert_eq!(import_sites_csv(s.as_ref(), good).await.unwrap(), 2);
        assert_eq!(s.site("s-2").await.unwrap().unwrap().name, "之江烟花店");
        assert!(s.reference_counter().await.unwrap() > before, "devices are told reference data changed");
        let bad = "id,name,area\ns-3,新的,zj/c\ns-4,,zj/c\n";
        let Err(ImportError::Rows(rows)) = import_sites_csv(s.as_ref(), bad).await else { panic!("refused") };
        assert_eq!(rows[0].to_string(), "line 3, name: required");
        assert!(s.site("s-3").await.unwrap().is_none(), "nothing written");
    }
}
