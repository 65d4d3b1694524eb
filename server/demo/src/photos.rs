//! The demo's photos and signatures: fixtures made by the phone's capture
//! pipeline (`cargo run -p redline-device --example demo_photos`, see
//! `photos/README.md`), uploaded as blobs the way a phone's sync uploads
//! them (chunk, verify, record who sent it), then cited by documents.

use crate::DemoError;
use crate::phones::Phone;
use redline_api::state::AppState;
use redline_domain::blob::BlobHash;
use redline_domain::inspection::{PhotoOwner, PhotoRef};
use redline_domain::site::GeoPoint;
use redline_domain::time::Millis;

/// A fixture: its key, the watermarked photo, its thumbnail.
pub struct Fixture {
    pub key: &'static str,
    pub jpeg: &'static [u8],
    pub thumb: &'static [u8],
}

macro_rules! fixture {
    ($key:literal) => {
        Fixture {
            key: $key,
            jpeg: include_bytes!(concat!("../photos/", $key, ".jpg")),
            thumb: include_bytes!(concat!("../photos/", $key, ".thumb.jpg")),
        }
    };
}

pub const PHOTOS: &[Fixture] = &[
    fixture!("chem-stain"),
    fixture!("chem-fixed"),
    fixture!("fw-overfull"),
    fixture!("fw-fixed"),
    fixture!("boiler-gauge"),
    fixture!("kitchen-hose"),
    fixture!("dust-duct"),
    fixture!("extinguisher"),
    fixture!("exit-blocked"),
];

pub const SIGN_INSPECTOR: &[u8] = include_bytes!("../photos/sign-inspector.png");
pub const SIGN_ENTERPRISE: &[u8] = include_bytes!("../photos/sign-enterprise.png");

/// `(width, height)` of a baseline JPEG, from its start-of-frame marker.
pub fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]) as u32;
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]) as u32;
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// Uploads `bytes` as `phone`'s blob; returns its hash.
pub async fn upload(state: &AppState, phone: &Phone, bytes: &[u8]) -> Result<String, DemoError> {
    let hash = BlobHash::of(bytes);
    let device = &phone.principal.device_id;
    let io = |e: std::io::Error| DemoError::Server(format!("blob store: {e}"));
    if !state.blobs.exists(&hash).await {
        state.blobs.append(&hash, device, bytes).await.map_err(io)?;
        if !state.blobs.finish(&hash, device).await.map_err(io)? {
            return Err(DemoError::Server(format!("blob {} did not verify", hash.as_str())));
        }
    }
    state.storage.record_blob_upload(&hash, device, redline_api::blobs::now_secs()).await?;
    Ok(hash.as_str().to_string())
}

/// Uploads fixture `key` (photo and thumbnail) for `phone` and returns the
/// reference a document cites it by.
pub async fn photo(
    state: &AppState,
    phone: &Phone,
    key: &str,
    owner: PhotoOwner,
    taken_at: Millis,
    location: Option<GeoPoint>,
) -> Result<PhotoRef, DemoError> {
    let f = PHOTOS.iter().find(|f| f.key == key).ok_or_else(|| DemoError::Setup(format!("no demo photo {key}")))?;
    let (width, height) = jpeg_size(f.jpeg).ok_or_else(|| DemoError::Setup(format!("demo photo {key} is not a baseline JPEG")))?;
    let hash = upload(state, phone, f.jpeg).await?;
    let thumb_hash = upload(state, phone, f.thumb).await?;
    Ok(PhotoRef {
        hash,
        thumb_hash: Some(thumb_hash),
        owner,
        size: f.jpeg.len() as u64,
        width,
        height,
        taken_at,
        location,
        by: phone.identity.person(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_is_a_jpeg_with_its_size() {
        for f in PHOTOS {
            let (w, h) = jpeg_size(f.jpeg).expect(f.key);
            assert!(w.max(h) <= 800 && w.min(h) > 100, "{}: {w}x{h}", f.key);
            let (tw, th) = jpeg_size(f.thumb).expect(f.key);
            assert!(tw.max(th) <= 240, "{}: thumbnail {tw}x{th}", f.key);
        }
        assert!(SIGN_INSPECTOR.starts_with(b"\x89PNG") && SIGN_ENTERPRISE.starts_with(b"\x89PNG"));
    }
}
