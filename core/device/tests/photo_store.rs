//! Camera photos through the store: processed and watermarked with the
//! inspection's site and code, kept with a thumbnail, refused cleanly when
//! the file is bad, and evicted under a cache budget only once uploaded.

mod common;
#[allow(dead_code)]
mod photo_fixtures;

use common::*;
use photo_fixtures::{encode_jpeg, textured};
use redline_device::ErrorKind;
use redline_device::inspection::{InspectionKind, PhotoOwner};
use redline_device::people::Role;
use redline_device::photo::WatermarkFont;
use redline_device::store::CaptureOptions;

const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn font() -> Option<WatermarkFont> {
    if !std::path::Path::new(CJK_FONT).exists() {
        assert!(std::env::var_os("CI").is_none(), "{CJK_FONT} is missing: scripts/test-all.sh installs it");
        eprintln!("skipping: {CJK_FONT} is missing (apt-get install fonts-wqy-microhei)");
        return None;
    }
    Some(WatermarkFont::from_file(CJK_FONT).unwrap())
}

#[test]
fn camera_photos_are_processed_kept_with_thumbnails_and_evicted_only_when_uploaded() {
    let Some(font) = font() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "phone.db", identity("insp-1", Role::Inspector));
    let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let camera = encode_jpeg(&textured(3000, 2000), 90);

    // A watermark without a font is an input error, and nothing is recorded.
    let err = store.capture_photo(&i.id, PhotoOwner::Answer("H01".into()), &camera, &CaptureOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(store.inspection(&i.id).unwrap().photos.is_empty());

    store.set_watermark_font(font);
    let first = store.capture_photo(&i.id, PhotoOwner::Answer("H01".into()), &camera, &CaptureOptions::default()).unwrap();
    assert_eq!((first.width, first.height), (2048, 1365));
    let thumb = first.thumb_hash.clone().expect("a thumbnail");
    let stored = store.blob(&first.hash).unwrap();
    assert!(stored.len() < camera.len(), "the stored photo is smaller than the camera's");
    assert!(store.blob(&thumb).unwrap().len() < stored.len() / 4);
    let plain = store
        .capture_photo(&i.id, PhotoOwner::Answer("H02".into()), &camera, &CaptureOptions { watermark: false, ..Default::default() })
        .unwrap();
    assert_ne!(plain.hash, first.hash, "the watermark changes the stored pixels");
    assert_eq!(store.inspection(&i.id).unwrap().photos.len(), 2);

    // Bad input: typed error, nothing stored, nothing recorded.
    for bad in [b"not a photo at all".to_vec(), camera[..camera.len() / 3].to_vec()] {
        let err = store.capture_photo(&i.id, PhotoOwner::Answer("H03".into()), &bad, &CaptureOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    assert_eq!(store.inspection(&i.id).unwrap().photos.len(), 2);

    // Eviction: only full photos the server confirmed; thumbnails stay.
    assert_eq!(store.evict_photos(0).unwrap(), 0, "nothing uploaded yet, nothing evicted");
    store.mark_blob_uploaded(&first.hash).unwrap();
    assert_eq!(store.evict_photos(0).unwrap(), 1);
    assert_eq!(store.blob(&first.hash).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(store.blob(&plain.hash).is_ok(), "not uploaded: never evicted");
    assert!(store.blob(&thumb).is_ok(), "thumbnails are never evicted");
    // A budget that holds what is left evicts nothing more.
    store.mark_blob_uploaded(&plain.hash).unwrap();
    assert_eq!(store.evict_photos(10 << 20).unwrap(), 0);
}
