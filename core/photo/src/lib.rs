//! The photo capture pipeline: what happens to a camera photo between the
//! shutter and the blob store.
//!
//! Phone photos arrive as ~4 MB, 12 MP JPEGs. Storing and syncing them as
//! they are would cost every inspector minutes of upload over a weak signal,
//! and a sideways photo or one without time and place is useless as evidence.
//! [`process`] therefore, in one bounded pass:
//!
//! 1. checks the container before touching pixels (`probe`): the format by
//!    its magic bytes, the dimensions from the header (refusing absurd ones
//!    with [`PhotoError::TooLarge`]), truncation, oversized metadata chunks;
//! 2. reads EXIF (`meta`): orientation, capture time (`DateTimeOriginal`,
//!    China time when the camera wrote no offset) and GPS position — from
//!    JPEG's APP1, PNG's `eXIf`, or the text chunk ImageMagick keeps it in
//!    (`png_text`);
//! 3. decodes under explicit limits (`decode`): JPEG strictly, so damaged
//!    picture data after intact headers is refused ([`PhotoError::Decode`],
//!    "take another") instead of stored with its rest painted grey;
//! 4. downscales to `max_edge` on the long side with a Lanczos3 filter (never
//!    upscaling) and drops the full-size buffer at once (`scale`), then turns
//!    the picture upright according to EXIF orientation;
//! 5. burns in the watermark Chinese field practice expects: time,
//!    coordinates, site, inspector, inspection code (`watermark`);
//! 6. re-encodes as baseline JPEG, 4:2:0 chroma, at `quality`, and makes the
//!    thumbnail from the watermarked image so the list screens show it too.
//!
//! The output carries no EXIF at all: orientation is baked into the pixels,
//! and time and position are returned in [`ProcessedPhoto`] for the document,
//! so nothing else (camera serial numbers, the phone owner's name) leaks
//! into the evidence that is synced to the server.
//!
//! Inputs are JPEG and PNG. HEIC/HEIF (the iPhone default) and other formats
//! are refused with [`PhotoError::Unsupported`]: the app converts them to
//! JPEG with the platform's own codec (`UIImage.jpegData` on iOS,
//! `ImageDecoder`/`Bitmap.compress` on Android) before calling, which is
//! cheaper and better tested than carrying a HEVC decoder in the core.
//!
//! `process` is synchronous and CPU-bound (a few hundred ms for 12 MP on one
//! core): call it from a background thread, never the UI thread. Memory is
//! bounded by design, under 80 MB for every input the limits accept
//! (`tests/memory.rs`): the decoded RGB buffer is the largest allocation
//! and lives only until the first resize pass is done; a JPEG over 16 MP
//! (a 50 MP phone photo) is decoded at 1/2 or 1/4 scale by its inverse DCT,
//! as far as the stored size allows; progressive JPEGs (which keep every
//! coefficient) are taken up to 12.6 MP and PNGs up to 48 MB decoded.
//! Measured: ~59 MB for a 12 MP photo, ~70 MB for 50 MP, ~77 MB for a
//! 12 MP progressive one.
//! A JPEG's embedded colour profile (an iPhone's Display P3) is converted
//! to sRGB (`colour`); the output is sRGB and carries no profile.

mod colour;
mod decode;
mod glyph;
mod meta;
mod png_text;
mod probe;
mod scale;
mod watermark;

use redline_domain::site::GeoPoint;
use redline_domain::time::Millis;

pub use watermark::{BandRect, Watermark, WatermarkFont, band_rect};

/// A side longer than this is refused before decoding: no phone camera
/// makes one, and it is the cheapest guard against a forged header.
pub const MAX_SIDE: u32 = 10_000;
/// More pixels than this (50 MP, the largest common phone sensor mode) are
/// refused before decoding.
pub const MAX_PIXELS: u64 = 50_000_000;
/// The most the decoder may allocate for the decoded image: RGBA8 at
/// [`MAX_PIXELS`]. A 16-bit PNG near the pixel bound exceeds it and gets
/// [`PhotoError::LimitExceeded`] instead of a 300 MB buffer.
pub const MAX_DECODE_BYTES: u64 = 4 * MAX_PIXELS;

/// What [`process`] makes of a photo.
#[derive(Clone, Debug)]
pub struct PhotoOptions {
    /// Long edge of the stored photo, in pixels; smaller photos are kept at
    /// their size (never upscaled).
    pub max_edge: u32,
    /// JPEG quality, 1-100, for the photo and the thumbnail.
    pub quality: u8,
    /// Long edge of the thumbnail, in pixels.
    pub thumb_edge: u32,
    /// What to burn into the photo; `None` leaves the pixels unmarked.
    pub watermark: Option<Watermark>,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        // 2048 px keeps a nameplate or a gauge legible when zoomed in on a
        // phone while cutting a 4 MB photo to a few hundred KB.
        PhotoOptions { max_edge: 2048, quality: 80, thumb_edge: 320, watermark: None }
    }
}

/// The stored photo, its thumbnail and what EXIF said about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessedPhoto {
    /// Baseline JPEG, 4:2:0, upright, no EXIF.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Baseline JPEG of the watermarked photo, long edge `thumb_edge`.
    pub thumbnail: Vec<u8>,
    pub thumb_width: u32,
    pub thumb_height: u32,
    /// EXIF `DateTimeOriginal` (China time, UTC+8, when the camera wrote no
    /// offset), if present and sane.
    pub taken_at: Option<Millis>,
    /// EXIF GPS position (WGS-84 as cameras write it), if present and sane.
    pub location: Option<GeoPoint>,
}

/// Why a photo could not be processed. Every variant is an input problem:
/// the app should tell the user the file cannot be used, not retry.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the file is not an image")]
    NotAnImage,
    #[error("unsupported image format: {0}")]
    Unsupported(String),
    #[error("the image is truncated: {0}")]
    Truncated(String),
    #[error("the image is damaged: {0}")]
    Decode(String),
    #[error("the image is too large ({width} x {height} px; at most {MAX_SIDE} px a side and {MAX_PIXELS} px in all)")]
    TooLarge { width: u32, height: u32 },
    #[error("the image needs more memory than allowed: {0}")]
    LimitExceeded(String),
    #[error("watermark font: {0}")]
    Font(String),
    #[error("encoding the JPEG failed: {0}")]
    Encode(String),
}

/// Turns a camera photo into what is stored: upright, downscaled,
/// watermarked, re-encoded, with a thumbnail. See the module documentation
/// for the steps and the guarantees on untrusted input.
pub fn process(bytes: &[u8], opts: &PhotoOptions) -> Result<ProcessedPhoto, PhotoError> {
    // Everything that can be refused from headers (format, dimensions,
    // truncation, oversized metadata) is refused before a single pixel
    // buffer exists.
    let probed = probe::probe(bytes)?;
    let meta = meta::read(probed.exif.as_deref());

    // The decoders are fuzzed, but a panic here would cross the FFI
    // boundary and abort the app over one bad file: contain it.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode::decode(&probed, opts.max_edge)))
        .map_err(|_| PhotoError::Decode("the decoder failed on this file".into()))??;
    drop(probed); // the sanitised PNG copy, if one was made
    let decode::Decoded { image: decoded, icc } = decoded;
    let (w, h) = scale::fit(decoded.width(), decoded.height(), opts.max_edge);
    // Consumes the full-size image, which is freed right after the first
    // resize pass: that is what keeps a 12 MP photo near 60 MB peak RSS.
    let resized = scale::downscale_to_rgb8(decoded, w, h)?;
    let mut img = scale::orient(resized, meta.orientation);
    if let Some(icc) = icc {
        colour::to_srgb(&mut img, &icc);
    }

    if let Some(wm) = &opts.watermark {
        watermark::burn(&mut img, wm);
    }

    let quality = opts.quality.clamp(1, 100);
    let jpeg = encode_jpeg(&img, quality)?;
    let (tw, th) = scale::fit(img.width, img.height, opts.thumb_edge);
    let thumb = scale::resize_rgb8(&img, tw, th)?;
    let (width, height) = (img.width, img.height);
    drop(img);
    let thumbnail = encode_jpeg(&thumb, quality)?;

    Ok(ProcessedPhoto {
        jpeg,
        width,
        height,
        thumbnail,
        thumb_width: thumb.width,
        thumb_height: thumb.height,
        taken_at: meta.taken_at,
        location: meta.location,
    })
}

fn check_dimensions(width: u32, height: u32) -> Result<(), PhotoError> {
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Decode(format!("the header says {width} x {height} px")));
    }
    Ok(())
}

/// A packed RGB8 image, the one pixel layout the pipeline works in after
/// decoding (3 bytes a pixel, no row padding).
#[derive(Clone, Debug)]
pub(crate) struct Rgb8 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

fn encode_jpeg(img: &Rgb8, quality: u8) -> Result<Vec<u8>, PhotoError> {
    use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};
    // A 2048 px photo at q80 is ~0.5-1 MB; start with a guess to avoid most
    // regrowth copies without over-reserving for thumbnails.
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut enc = Encoder::new(&mut out, quality);
    // 4:2:0 explicitly, whatever the quality: the encoder would switch to
    // 4:4:4 at q >= 90, making files ~25% larger for detail the eye on a
    // phone screen does not see. Averaging each 2x2 block (as libjpeg does)
    // avoids the colour fringes of picking one pixel.
    enc.set_sampling_factor(SamplingFactor::R_4_2_0);
    enc.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    let (w, h) = (
        u16::try_from(img.width).map_err(|_| PhotoError::Encode("width over 65535".into()))?,
        u16::try_from(img.height).map_err(|_| PhotoError::Encode("height over 65535".into()))?,
    );
    enc.encode(&img.data, w, h, ColorType::Rgb).map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// Capture time and GPS position from a photo's EXIF, without decoding any
/// pixels (a watermark needs them before the photo is processed).
pub fn metadata(bytes: &[u8]) -> Result<(Option<Millis>, Option<GeoPoint>), PhotoError> {
    let probed = probe::probe(bytes)?;
    let meta = meta::read(probed.exif.as_deref());
    Ok((meta.taken_at, meta.location))
}
