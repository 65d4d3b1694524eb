//! Photos across devices: a captured photo's thumbnail comes down with the
//! inspection, the full photo only on demand, both verified by hash; the
//! supervisor's side fetches any photo in scope — with the server's blobs
//! in its folder and in an S3 store.

use redline_device::ErrorKind;
use redline_device::inspection::{InspectionKind, PhotoOwner};
use redline_device::photo::WatermarkFont;
use redline_device::store::{CaptureOptions, PhotoMeta};
use redline_tests::{TestServer, on_both_blob_stores};
use tokio_util::sync::CancellationToken;

const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// A small real JPEG from the image crate (the camera's output stand-in).
fn camera_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

on_both_blob_stores!(thumbnails_come_with_documents_full_photos_on_demand);

async fn thumbnails_come_with_documents_full_photos_on_demand(server: TestServer) {
    if !std::path::Path::new(CJK_FONT).exists() {
        assert!(std::env::var_os("CI").is_none(), "{CJK_FONT} is missing");
        eprintln!("skipping: {CJK_FONT} is missing");
        return;
    }
    let insp = server.device("insp-1").await;
    let sup = server.device("sup-1").await;
    insp.sync().await;
    insp.store.set_watermark_font(WatermarkFont::from_file(CJK_FONT).unwrap());
    let i = insp.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
    let photo = insp.store.capture_photo(&i.id, PhotoOwner::Answer("H12".into()), &camera_jpeg(), &CaptureOptions::default()).unwrap();
    let thumb = photo.thumb_hash.clone().unwrap();
    let report = insp.sync().await;
    assert_eq!(report.progress.blobs_uploaded, 2, "photo and thumbnail uploaded");
    assert!(insp.store.blobs_to_upload().unwrap().is_empty(), "the upload queue is empty once confirmed");

    sup.sync().await;
    assert_eq!(sup.store.blob(&thumb).unwrap(), insp.store.blob(&thumb).unwrap(), "thumbnail arrived with the document");
    assert_eq!(sup.store.blob(&photo.hash).unwrap_err().kind(), ErrorKind::NotFound, "full photo waits until asked");
    let full = sup.client.fetch_blob(&sup.store, &photo.hash, &CancellationToken::new()).await.unwrap();
    assert_eq!(full, insp.store.blob(&photo.hash).unwrap());
    assert_eq!(sup.store.blob(&photo.hash).unwrap(), full, "kept once fetched");

    // Uploaded photos may be evicted on the inspector's phone and fetched back.
    assert_eq!(insp.store.evict_photos(0).unwrap(), 1);
    assert_eq!(insp.client.fetch_blob(&insp.store, &photo.hash, &CancellationToken::new()).await.unwrap(), full);
    // A raw (already processed) attachment still travels the same way.
    insp.store.attach_photo(&i.id, PhotoOwner::Answer("H13".into()), b"scan of a licence", PhotoMeta::default()).unwrap();
    insp.sync().await;
    assert!(insp.store.blobs_to_upload().unwrap().is_empty());
}
