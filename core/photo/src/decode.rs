//! Decodes the probed bytes into pixels, under explicit limits, and
//! flattens any transparency onto white. PNGs go through the `image`
//! crate; JPEGs through its JPEG decoder (zune-jpeg) called directly, for
//! two reasons: in strict mode, so that a photo whose compressed data is
//! damaged after intact headers is refused as damaged (recovering, the
//! decoder would fill the rest with flat grey and store that as evidence,
//! with no warning); and on the probed bytes themselves, without the copy
//! of the whole file `image` makes first.
//!
//! The limits are belt and braces: `probe` has already refused absurd
//! dimensions, but the decoder is told the same bounds (`max_image_width`,
//! `max_image_height`) plus a cap on what it may allocate (`max_alloc`), and
//! the size of the output buffer is checked against [`MAX_DECODE_BYTES`]
//! before it is allocated. The pixels stay in the decoder's native layout
//! (RGB8 for nearly every photo) so that no full-size conversion copy is
//! ever made: conversion to RGB8 happens after downscaling, in `scale`.
//!
//! Transparency (PNG screenshots only; JPEG has none) is composited onto
//! white in place, because a stored photo has no alpha and transparent
//! pixels are often black underneath, which would show as black areas.

use std::io::{Cursor, ErrorKind};

use image::error::{ImageError, LimitErrorKind};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::probe::{Format, Probed};
use super::{MAX_DECODE_BYTES, MAX_SIDE, PhotoError};

/// The pixels, and the file's ICC colour profile if it has one.
pub(crate) struct Decoded {
    pub image: DynamicImage,
    pub icc: Option<Vec<u8>>,
}

/// JPEGs with more pixels than this are decoded at a reduced scale when
/// the stored size allows it (a 12 MP photo is decoded whole: its half
/// would be smaller than the 2048 px it is stored at).
const SCALE_ABOVE: u64 = 16_000_000;
/// Progressive JPEGs keep every coefficient until the last scan (2 bytes
/// per sample, full size, whatever the output scale): above this (a 12 MP
/// phone photo, 4032 x 3024, fits) they are refused, which keeps their
/// peak under 80 MB. Camera apps write baseline JPEGs; this bounds edited
/// or forwarded ones.
pub(crate) const MAX_PROGRESSIVE_PIXELS: u64 = 12_600_000;
/// What a PNG may decode to (PNGs here are screenshots: a 1440 x 3200
/// RGBA screenshot is 18 MB): a 50 MP PNG would be 150-400 MB.
const MAX_PNG_DECODE_BYTES: u64 = 48 << 20;

/// `max_edge`: the long side the photo will be stored at, so a large JPEG
/// need not be decoded bigger than that.
pub(crate) fn decode(probed: &Probed<'_>, max_edge: u32) -> Result<Decoded, PhotoError> {
    match probed.format {
        Format::Jpeg => decode_jpeg(probed, max_edge),
        // PNG's iCCP chunk is dropped by `probe` (PNGs here are
        // screenshots, written in sRGB).
        Format::Png => Ok(Decoded { image: decode_png(probed)?, icc: None }),
    }
}

/// A JPEG decoder's refusal: the compressed data does not decode.
fn damaged(e: impl std::fmt::Display) -> PhotoError {
    PhotoError::Decode(format!("the picture data is damaged: {e}"))
}

/// Decoded 8-bit pixels as an image of their layout.
fn from_pixels(pixels: Vec<u8>, (w, h): (u32, u32), grey: bool) -> Result<DynamicImage, PhotoError> {
    let image = if grey {
        image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
    };
    image.ok_or_else(|| PhotoError::Decode("the decoder returned fewer pixels than the header says".into()))
}

fn decode_jpeg(probed: &Probed<'_>, max_edge: u32) -> Result<Decoded, PhotoError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default().set_strict_mode(true).set_max_width(MAX_SIDE as usize).set_max_height(MAX_SIDE as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(&probed.data[..]), options);
    decoder.decode_headers().map_err(damaged)?;
    let (w, h) = decoder.dimensions().ok_or_else(|| PhotoError::Decode("no frame header".into()))?;
    check_agrees(probed, (w as u32, h as u32))?;
    let grey = matches!(decoder.input_colorspace(), Some(ColorSpace::Luma | ColorSpace::LumaA));
    let icc = if grey { None } else { decoder.icc_profile() };
    let pixels = w as u64 * h as u64;
    let progressive = decoder.info().is_some_and(|i| i.sof.is_progressive());
    if progressive && pixels > MAX_PROGRESSIVE_PIXELS {
        return Err(PhotoError::LimitExceeded(format!(
            "a progressive JPEG of {w} x {h} px (at most {} MP progressive; save it as a baseline JPEG)",
            MAX_PROGRESSIVE_PIXELS / 1_000_000
        )));
    }
    let size = (w as u32, h as u32);
    if !progressive && pixels > SCALE_ABOVE {
        return Ok(Decoded { image: decode_jpeg_scaled(probed, size, max_edge)?, icc });
    }
    let (out, channels) = if grey { (ColorSpace::Luma, 1) } else { (ColorSpace::RGB, 3) };
    decoder.set_options(options.jpeg_set_out_colorspace(out));
    check_budget((w * h * channels) as u64, size, if grey { "grey" } else { "RGB" }, MAX_DECODE_BYTES)?;
    let pixels = decoder.decode().map_err(damaged)?;
    Ok(Decoded { image: from_pixels(pixels, size, grey)?, icc })
}

/// A large baseline JPEG decoded with a scaled inverse DCT: the smallest
/// of 1/8, 1/4, 1/2 and 1 whose result still covers `max_edge`, so the
/// Lanczos pass that follows only has the last factor of two or less to
/// do. Damaged data is an error here too (this decoder does not guess).
fn decode_jpeg_scaled(probed: &Probed<'_>, (w, h): (u32, u32), max_edge: u32) -> Result<DynamicImage, PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(&probed.data[..]);
    decoder.set_max_decoding_buffer_size(MAX_DECODE_BYTES as usize);
    let (tw, th) = super::scale::fit(w, h, max_edge);
    let (sw, sh) = decoder.scale(tw as u16, th as u16).map_err(damaged)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let pixels = decoder.decode().map_err(damaged)?;
    match decoder.info().map(|i| i.pixel_format) {
        Some(jpeg_decoder::PixelFormat::RGB24) => from_pixels(pixels, (sw, sh), false),
        Some(jpeg_decoder::PixelFormat::L8) => from_pixels(pixels, (sw, sh), true),
        other => Err(PhotoError::Unsupported(format!("a JPEG of pixel format {other:?}"))),
    }
}

/// The decoder must see the image `probe` checked; a disagreement means a
/// file crafted to confuse one of the two parsers.
fn check_agrees(probed: &Probed<'_>, decoder: (u32, u32)) -> Result<(), PhotoError> {
    if decoder != (probed.width, probed.height) {
        return Err(PhotoError::Decode(format!("the header says {} x {} px, the decoder {decoder:?}", probed.width, probed.height)));
    }
    Ok(())
}

/// Refuses a decode that would need more than `limit` bytes of pixels.
fn check_budget(needed: u64, (w, h): (u32, u32), layout: &str, limit: u64) -> Result<(), PhotoError> {
    if needed > limit {
        return Err(PhotoError::LimitExceeded(format!(
            "{w} x {h} px as {layout} needs {} MB to decode (at most {} MB)",
            needed >> 20,
            limit >> 20
        )));
    }
    Ok(())
}

fn decode_png(probed: &Probed<'_>) -> Result<DynamicImage, PhotoError> {
    let mut reader = ImageReader::with_format(Cursor::new(&probed.data[..]), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // Building the decoder reads headers only; pixels come after the checks.
    let decoder = reader.into_decoder().map_err(map_error)?;
    check_agrees(probed, decoder.dimensions())?;
    let layout = format!("a PNG of {:?} (send photos as JPEG)", decoder.color_type());
    check_budget(decoder.total_bytes(), decoder.dimensions(), &layout, MAX_PNG_DECODE_BYTES)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(map_error)?;
    flatten_alpha(&mut img);
    Ok(img)
}

/// Composites transparent pixels onto white, in place, leaving alpha at
/// full opacity so that later steps may ignore the alpha channel.
fn flatten_alpha(img: &mut DynamicImage) {
    match img {
        DynamicImage::ImageRgba8(buf) => flatten_u8::<4>(buf.as_mut()),
        DynamicImage::ImageLumaA8(buf) => flatten_u8::<2>(buf.as_mut()),
        DynamicImage::ImageRgba16(buf) => flatten_u16::<4>(buf.as_mut()),
        DynamicImage::ImageLumaA16(buf) => flatten_u16::<2>(buf.as_mut()),
        _ => {}
    }
}

fn flatten_u8<const N: usize>(px: &mut [u8]) {
    for p in px.chunks_exact_mut(N) {
        let a = u32::from(p[N - 1]);
        if a == 255 {
            continue;
        }
        for c in &mut p[..N - 1] {
            // c*a + 255*(1-a), rounded, in 0..=255 arithmetic.
            *c = ((u32::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
        p[N - 1] = 255;
    }
}

fn flatten_u16<const N: usize>(px: &mut [u16]) {
    for p in px.chunks_exact_mut(N) {
        let a = u64::from(p[N - 1]);
        if a == 65535 {
            continue;
        }
        for c in &mut p[..N - 1] {
            *c = ((u64::from(*c) * a + 65535 * (65535 - a) + 32767) / 65535) as u16;
        }
        p[N - 1] = 65535;
    }
}

/// Sorts the `image` crate's errors into ours. Truncation shows up as an
/// I/O end-of-file from the PNG decoder; limits as `ImageError::Limits`.
pub(crate) fn map_error(e: ImageError) -> PhotoError {
    match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError => PhotoError::LimitExceeded(format!("image dimensions over {MAX_SIDE} px a side")),
            _ => PhotoError::LimitExceeded(l.to_string()),
        },
        ImageError::Unsupported(u) => PhotoError::Unsupported(u.to_string()),
        ImageError::IoError(io) if io.kind() == ErrorKind::UnexpectedEof => PhotoError::Truncated(io.to_string()),
        other => PhotoError::Decode(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparency_becomes_white() {
        let mut px = [10, 20, 30, 255, 0, 0, 0, 0, 200, 100, 0, 128];
        flatten_u8::<4>(&mut px);
        assert_eq!(&px[..8], &[10, 20, 30, 255, 255, 255, 255, 255]);
        // Half-transparent orange over white: halfway to white.
        assert_eq!(&px[8..], &[227, 177, 127, 255]);
        let mut la = [0u16, 0, 65535, 65535];
        flatten_u16::<2>(&mut la);
        assert_eq!(la, [65535, 65535, 65535, 65535]);
    }
}
