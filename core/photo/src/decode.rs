//! Decodes the probed bytes into pixels with the `image` crate, under
//! explicit limits, and flattens any transparency onto white.
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

pub(crate) fn decode(probed: &Probed<'_>) -> Result<DynamicImage, PhotoError> {
    let format = match probed.format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
    };
    let mut reader = ImageReader::with_format(Cursor::new(&probed.data[..]), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // Building the decoder reads headers only; pixels come after the checks.
    let decoder = reader.into_decoder().map_err(map_error)?;
    // The decoder must see the image `probe` checked; a disagreement means
    // a file crafted to confuse one of the two parsers.
    if decoder.dimensions() != (probed.width, probed.height) {
        return Err(PhotoError::Decode(format!(
            "the header says {} x {} px, the decoder {:?}",
            probed.width,
            probed.height,
            decoder.dimensions()
        )));
    }
    let needed = decoder.total_bytes();
    if needed > MAX_DECODE_BYTES {
        let (w, h) = decoder.dimensions();
        return Err(PhotoError::LimitExceeded(format!(
            "{w} x {h} px as {:?} needs {} MB to decode (at most {} MB)",
            decoder.color_type(),
            needed >> 20,
            MAX_DECODE_BYTES >> 20
        )));
    }
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
