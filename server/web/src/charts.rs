//! Charts and the sites map drawn on the server as SVG: no script, no
//! external library, no tile server (many government intranets have no
//! internet). Every label is escaped here, since the SVG is inserted into
//! pages as markup.

use std::fmt::Write;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Horizontal bars, one per (label, count), with the numbers beside them.
pub fn bars(rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let height = 24 * rows.len().max(1) + 4;
    let mut svg = format!(r#"<svg class="chart" viewBox="0 0 420 {height}" width="420" height="{height}" role="img">"#);
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 4 + i * 24;
        let w = (*n as f64 / max as f64 * 240.0).round() as i64;
        let _ = write!(
            svg,
            r##"<text x="0" y="{}" font-size="12">{}</text><rect x="130" y="{y}" width="{w}" height="16" fill="#c0392b"/><text x="{}" y="{}" font-size="12">{n}</text>"##,
            y + 12,
            escape(label),
            136 + w,
            y + 12
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Two series per week (found, closed) as paired columns.
pub fn weekly(weeks: &[(String, i64, i64)], found: &str, closed: &str) -> String {
    let max = weeks.iter().map(|(_, a, b)| (*a).max(*b)).max().unwrap_or(0).max(1);
    let width = 40 + 44 * weeks.len().max(1);
    let mut svg = format!(r#"<svg class="chart" viewBox="0 0 {width} 170" width="{width}" height="170" role="img">"#);
    for (i, (week, a, b)) in weeks.iter().enumerate() {
        let x = 30 + i * 44;
        for (j, (n, colour)) in [(*a, "#c0392b"), (*b, "#27ae60")].into_iter().enumerate() {
            let h = (n as f64 / max as f64 * 120.0).round() as i64;
            let _ = write!(
                svg,
                r##"<rect x="{}" y="{}" width="16" height="{h}" fill="{colour}"><title>{n}</title></rect>"##,
                x + j * 18,
                130 - h
            );
        }
        let _ = write!(svg, r#"<text x="{x}" y="146" font-size="10">{}</text>"#, escape(week.get(5..).unwrap_or(week)));
    }
    let _ = write!(
        svg,
        r##"<rect x="30" y="156" width="10" height="10" fill="#c0392b"/><text x="44" y="165" font-size="11">{}</text><rect x="110" y="156" width="10" height="10" fill="#27ae60"/><text x="124" y="165" font-size="11">{}</text></svg>"##,
        escape(found),
        escape(closed)
    );
    svg
}

/// A site on the map.
pub struct Point {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub open_hazards: i64,
}

/// Sites placed by their coordinates (an equirectangular projection is
/// exact enough for a district), red with open hazards, each a link to its
/// history.
/// Up to this many points carry their site's name as a hover title.
pub const NAMED_POINTS: usize = 300;

pub fn map(points: &[Point]) -> String {
    let (w, h, pad) = (640.0, 420.0, 20.0);
    if points.is_empty() {
        return format!(r#"<svg class="map" viewBox="0 0 {w} {h}" width="{w}" height="{h}"></svg>"#);
    }
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in points {
        (lat0, lat1, lon0, lon1) = (lat0.min(p.lat), lat1.max(p.lat), lon0.min(p.lon), lon1.max(p.lon));
    }
    let span_lat = (lat1 - lat0).max(0.005);
    let span_lon = (lon1 - lon0).max(0.005);
    let mut svg = format!(
        r##"<svg class="map" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><rect width="{w}" height="{h}" fill="#eef3f7"/>"##
    );
    // Each point is a link; a district has thousands, so points are kept
    // short (whole-pixel positions, a class for the colour) and named on
    // hover only while there are few enough to keep the page light.
    let named = points.len() <= NAMED_POINTS;
    for p in points {
        let x = pad + (p.lon - lon0) / span_lon * (w - 2.0 * pad);
        let y = pad + (lat1 - p.lat) / span_lat * (h - 2.0 * pad);
        let class = match p.open_hazards {
            0 => "h0",
            1..=2 => "h1",
            _ => "h2",
        };
        let r = 4 + p.open_hazards.min(4);
        let _ =
            write!(svg, r#"<a href="/sites/{}"><circle cx="{x:.0}" cy="{y:.0}" r="{r}" class="{class}""#, crate::pages::urlencode(&p.id));
        if named {
            let _ = write!(svg, "><title>{} ({})</title></circle></a>", escape(&p.name), p.open_hazards);
        } else {
            svg.push_str("/></a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out_of_the_svg() {
        let svg = bars(&[("<script>alert(1)</script>".into(), 3)]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn the_map_places_every_site_inside_the_frame() {
        let pts: Vec<Point> = (0..5)
            .map(|i| Point {
                id: format!("s{i}"),
                name: "店".into(),
                lat: 30.8 + i as f64 * 0.01,
                lon: 120.8 + i as f64 * 0.02,
                open_hazards: i,
            })
            .collect();
        let svg = map(&pts);
        assert_eq!(svg.matches("<circle").count(), 5);
        for part in svg.split("cx=\"").skip(1) {
            let x: f64 = part[..part.find('"').unwrap()].parse().unwrap();
            assert!((0.0..=640.0).contains(&x));
        }
    }
}

#[cfg(test)]
mod map_tests {
    use super::*;

    fn points(n: usize) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                id: format!("s{i}"),
                name: "湘家荡仓储".into(),
                lat: 30.8 + i as f64 * 1e-4,
                lon: 120.8,
                open_hazards: (i % 4) as i64,
            })
            .collect()
    }

    #[test]
    fn a_district_of_thousands_of_points_stays_light_and_every_point_links() {
        let few = map(&points(10));
        assert_eq!(few.matches("<title>").count(), 10, "a small map names its points");
        let many = map(&points(2000));
        assert_eq!(many.matches("<a href=\"/sites/").count(), 2000);
        assert!(!many.contains("<title>"));
        assert!(many.len() < 150 * 1024, "{} bytes", many.len());
        assert!(many.contains("class=\"h0\"") && many.contains("class=\"h1\"") && many.contains("class=\"h2\""));
    }
}
