//! EXIF facts the pipeline keeps: orientation (applied to the pixels), the
//! capture time and the GPS position (returned for the inspection
//! document, since the re-encoded photo carries no EXIF).
//!
//! EXIF is camera-written and often sloppy (blank dates, zero denominators,
//! 0/0 positions when there was no fix), so every field is validated and
//! anything doubtful becomes `None` rather than an error: a photo with bad
//! EXIF is still good evidence.
//!
//! Parsing uses kamadak-exif (`exif`), which bounds its work by the size of
//! the block; the block itself was cut out by `probe` and is at most 64 KB
//! for JPEG and 1 MB for PNG.

use exif::{DateTime, Exif, In, Reader, Tag, Value};

use redline_domain::site::GeoPoint;
use redline_domain::time::{Date, Millis};

/// China keeps UTC+8 all year; cameras that write no offset are on it.
const CHINA_OFFSET_MINUTES: i64 = 8 * 60;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Meta {
    /// EXIF orientation 1-8 (1 when absent or invalid).
    pub orientation: u8,
    pub taken_at: Option<Millis>,
    pub location: Option<GeoPoint>,
}

impl Default for Meta {
    fn default() -> Self {
        Meta { orientation: 1, taken_at: None, location: None }
    }
}

pub(crate) fn read(tiff: Option<&[u8]>) -> Meta {
    let Some(tiff) = tiff else {
        return Meta::default();
    };
    // Keep what parsed even if a later IFD is broken: orientation in IFD0
    // matters more than a damaged maker note.
    let exif = match Reader::new().continue_on_error(true).read_raw(tiff.to_vec()) {
        Ok(exif) => exif,
        Err(e) => match e.distill_partial_result(|_| {}) {
            Ok(exif) => exif,
            Err(_) => return Meta::default(),
        },
    };
    Meta { orientation: orientation(&exif), taken_at: taken_at(&exif), location: location(&exif) }
}

fn orientation(exif: &Exif) -> u8 {
    exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0)).filter(|v| (1..=8).contains(v)).map_or(1, |v| v as u8)
}

fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => parts.first().map(Vec::as_slice),
        _ => None,
    }
}

fn taken_at(exif: &Exif) -> Option<Millis> {
    // DateTimeOriginal is the shutter time; Digitized equals it on phones
    // and is the fallback some scanners and editors leave.
    let (raw, offset_tag, subsec_tag) = match ascii(exif, Tag::DateTimeOriginal) {
        Some(raw) => (raw, Tag::OffsetTimeOriginal, Tag::SubSecTimeOriginal),
        None => (ascii(exif, Tag::DateTimeDigitized)?, Tag::OffsetTimeDigitized, Tag::SubSecTimeDigitized),
    };
    let mut dt = DateTime::from_ascii(raw).ok()?;
    if let Some(off) = ascii(exif, offset_tag) {
        let _ = dt.parse_offset(off);
    }
    if let Some(sub) = ascii(exif, subsec_tag) {
        let _ = dt.parse_subsec(sub);
    }
    local_to_millis(&dt)
}

/// The instant of an EXIF local date-time, in its own offset or China's.
pub(crate) fn local_to_millis(dt: &DateTime) -> Option<Millis> {
    let date = Date::from_ymd(i64::from(dt.year), u32::from(dt.month), u32::from(dt.day))?;
    if dt.hour > 23 || dt.minute > 59 || dt.second > 60 {
        return None;
    }
    let epoch = Date::from_ymd(1970, 1, 1).expect("valid date");
    let days = epoch.days_until(date);
    let secs = days * 86_400 + i64::from(dt.hour) * 3600 + i64::from(dt.minute) * 60 + i64::from(dt.second);
    let offset_minutes = dt.offset.map_or(CHINA_OFFSET_MINUTES, i64::from);
    let nanos = i64::from(dt.nanosecond.unwrap_or(0));
    Some((secs - offset_minutes * 60) * 1000 + nanos / 1_000_000)
}

fn location(exif: &Exif) -> Option<GeoPoint> {
    let lat = degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lon = degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    // Exactly 0,0 is what cameras write when they had no fix; it is in the
    // Gulf of Guinea, never a site Redline inspects.
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    let p = GeoPoint { lat, lon };
    p.is_valid().then_some(p)
}

/// Degrees from the usual (degrees, minutes, seconds) rationals and the
/// hemisphere reference.
fn degrees(exif: &Exif, tag: Tag, ref_tag: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    let dms: Vec<f64> = parts.iter().take(3).map(|r| r.to_f64()).collect();
    let v = match dms.as_slice() {
        [d, m, s] => d + m / 60.0 + s / 3600.0,
        [d, m] => d + m / 60.0,
        [d] => *d,
        _ => return None,
    };
    if !v.is_finite() {
        return None; // a zero denominator
    }
    let sign = match ascii(exif, ref_tag).and_then(|r| r.first()) {
        Some(c) if c.eq_ignore_ascii_case(&negative) => -1.0,
        _ => 1.0,
    };
    Some(sign * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str, offset: Option<&str>) -> DateTime {
        let mut d = DateTime::from_ascii(s.as_bytes()).unwrap();
        if let Some(o) = offset {
            d.parse_offset(o.as_bytes()).unwrap();
        }
        d
    }

    #[test]
    fn local_time_is_china_time_unless_an_offset_says_otherwise() {
        // 2026-03-05 14:30:00 in China is 06:30:00 UTC.
        let utc = local_to_millis(&dt("2026:03:05 06:30:00", Some("+00:00"))).unwrap();
        assert_eq!(local_to_millis(&dt("2026:03:05 14:30:00", None)), Some(utc));
        assert_eq!(local_to_millis(&dt("2026:03:05 14:30:00", Some("+08:00"))), Some(utc));
        assert_eq!(utc, 1_772_692_200_000);
        assert_eq!(local_to_millis(&dt("2026:02:30 14:30:00", None)), None);
        assert_eq!(local_to_millis(&dt("2026:03:05 24:30:00", None)), None);
    }

    #[test]
    fn missing_or_broken_exif_gives_defaults() {
        assert_eq!(read(None), Meta::default());
        assert_eq!(read(Some(b"garbage")), Meta::default());
        assert_eq!(read(Some(b"II*\0\x08\0\0\0\xff\xff")), Meta::default());
    }
}
