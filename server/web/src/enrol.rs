//! The enrolment payload a phone scans to join this server, and its QR
//! code, drawn here as inline SVG so the admin page needs nothing from
//! elsewhere.
//!
//! Format (version 1), a URI:
//!
//! ```text
//! redline://enrol?v=1&server=<percent-encoded base URL>&token=<device token>
//! ```
//!
//! `server` is the base URL the phone sends `POST /v1/sync` to (scheme,
//! host and port, no trailing slash); `token` is the device token, 64 hex
//! characters. The app then calls `GET /v1/me` with the token to learn its
//! device id, user, role and scope, opens its store with that identity and
//! syncs. Parameters it does not know are ignored, so later versions can
//! add some.

use crate::pages::urlencode;
use axum::http::{HeaderMap, header};

pub const SCHEME: &str = "redline://enrol";
pub const VERSION: &str = "1";

pub fn enrolment_uri(server: &str, token: &str) -> String {
    format!("{SCHEME}?v={VERSION}&server={}&token={}", urlencode(server), urlencode(token))
}

/// The (server, token) of an enrolment URI of a version this build reads.
pub fn parse(uri: &str) -> Option<(String, String)> {
    let query = uri.strip_prefix(SCHEME)?.strip_prefix('?')?;
    let (mut v, mut server, mut token) = (None, None, None);
    for kv in query.split('&') {
        let (k, value) = kv.split_once('=')?;
        let value = percent_decode(value)?;
        match k {
            "v" => v = Some(value),
            "server" => server = Some(value),
            "token" => token = Some(value),
            _ => {}
        }
    }
    (v.as_deref() == Some(VERSION)).then_some(())?;
    Some((server?, token?))
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// The base URL the admin's browser reached this server at: the phones are
/// to reach it the same way. `https` when the server sets secure cookies
/// (it is behind TLS).
pub fn server_url(headers: &HeaderMap, secure: bool) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| !h.is_empty()).unwrap_or("127.0.0.1:8080");
    format!("{}://{host}", if secure { "https" } else { "http" })
}

/// `text` as a QR code in SVG (black on white, with the quiet zone), ready
/// to be put inline in a page.
pub fn qr_svg(text: &str) -> Result<String, String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).map_err(|e| e.to_string())?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(256, 256).quiet_zone(true).build();
    // The renderer starts with an XML declaration, which has no place inline.
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_reads_back_and_only_in_its_version() {
        let token = "ab".repeat(32);
        let uri = enrolment_uri("https://redline.example.cn:8443", &token);
        assert_eq!(uri, format!("redline://enrol?v=1&server=https%3A%2F%2Fredline.example.cn%3A8443&token={token}"));
        assert_eq!(parse(&uri), Some(("https://redline.example.cn:8443".into(), token.clone())));
        assert_eq!(parse(&format!("{uri}&later=yes")).map(|p| p.1), Some(token.clone()), "unknown parameters are ignored");
        assert_eq!(parse(&uri.replace("v=1", "v=2")), None);
        assert_eq!(parse("https://example.com/?v=1&server=x&token=y"), None);
    }

    #[test]
    fn the_server_is_where_the_browser_reached_it() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "10.0.0.5:8080".parse().unwrap());
        assert_eq!(server_url(&h, false), "http://10.0.0.5:8080");
        assert_eq!(server_url(&h, true), "https://10.0.0.5:8080");
    }

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg(&enrolment_uri("http://127.0.0.1:8080", &"0f".repeat(32))).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", &svg[..60]);
        assert!(svg.contains("width=\"") && svg.len() < 64 << 10);
    }
}
