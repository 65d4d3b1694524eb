//! Downscaling (fast_image_resize, Lanczos3) and orientation.
//!
//! The full-size decode is the one big buffer of the pipeline (36 MB for
//! 12 MP RGB8), so this file is where peak memory is decided:
//!
//! - the resize is done as two explicit separable passes, vertical then
//!   horizontal (the order fast_image_resize itself picks for 8-bit
//!   pixels, so the result is the same). Done in one call, the library
//!   would hold its intermediate (source width x target height, 18 MB for
//!   12 MP) while the source is still alive; split, the source is dropped
//!   right after the first pass and the peak is source + intermediate
//!   instead of source + intermediate + target;
//! - images that are not RGB8 (grey JPEGs, PNGs with alpha or 16 bits) are
//!   resized in their own layout and converted afterwards, on the small
//!   image, so no full-size conversion copy exists;
//! - orientation is applied to the downscaled image (rotating 3 MP instead
//!   of 12 MP), which gives the same pixels as rotating first because the
//!   scale is the same on both axes.
//!
//! Lanczos3 is the filter Pillow's LANCZOS uses: sharp text on nameplates
//! and gauges without the ringing of larger kernels.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;
use image::metadata::Orientation;

use super::{PhotoError, Rgb8};

/// The size that fits `max_edge` on the long side, keeping the aspect
/// ratio; never larger than the original.
pub(crate) fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let max_edge = max_edge.max(1);
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    if width >= height { (max_edge, scale(height)) } else { (scale(width), max_edge) }
}

fn options() -> ResizeOptions {
    // Alpha was flattened onto white when decoding: no premultiplication
    // (which would allocate a full-size copy of the source).
    ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)).use_alpha(false)
}

fn resize_error(e: impl std::fmt::Display) -> PhotoError {
    PhotoError::Decode(format!("resizing failed: {e}"))
}

/// Resizes `img` to `width` x `height` and returns it as RGB8, consuming
/// (and so freeing) the full-size image as early as possible.
pub(crate) fn downscale_to_rgb8(img: DynamicImage, width: u32, height: u32) -> Result<Rgb8, PhotoError> {
    let img = match img {
        // The formats JPEG and PNG decode to; anything else (float images
        // from other decoders) is converted up front.
        DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_) => img,
        other => DynamicImage::ImageRgb8(other.into_rgb8()),
    };
    let (sw, sh) = (img.width(), img.height());
    let pixel_type = match &img {
        DynamicImage::ImageRgb8(_) => PixelType::U8x3,
        DynamicImage::ImageRgba8(_) => PixelType::U8x4,
        DynamicImage::ImageLuma8(_) => PixelType::U8,
        DynamicImage::ImageLumaA8(_) => PixelType::U8x2,
        DynamicImage::ImageRgb16(_) => PixelType::U16x3,
        DynamicImage::ImageRgba16(_) => PixelType::U16x4,
        DynamicImage::ImageLuma16(_) => PixelType::U16,
        _ => PixelType::U16x2,
    };
    if (sw, sh) == (width, height) {
        return Ok(match img {
            // Already the right size and layout: hand the buffer over.
            DynamicImage::ImageRgb8(buf) => Rgb8 { width, height, data: buf.into_raw() },
            other => to_rgb8(other.as_bytes(), pixel_type, width, height),
        });
    }
    let mut resizer = Resizer::new();
    let out = if sh != height {
        // Pass 1, vertical: sw x sh -> sw x height.
        let src = ImageRef::new(sw, sh, img.as_bytes(), pixel_type).map_err(resize_error)?;
        let mut tall = Image::new(sw, height, pixel_type);
        resizer.resize(&src, &mut tall, &options()).map_err(resize_error)?;
        drop(img); // the full-size decode is gone from here on
        if sw == width {
            tall
        } else {
            // Pass 2, horizontal: sw x height -> width x height.
            let mut dst = Image::new(width, height, pixel_type);
            resizer.resize(&tall, &mut dst, &options()).map_err(resize_error)?;
            dst
        }
    } else {
        let src = ImageRef::new(sw, sh, img.as_bytes(), pixel_type).map_err(resize_error)?;
        let mut dst = Image::new(width, height, pixel_type);
        resizer.resize(&src, &mut dst, &options()).map_err(resize_error)?;
        dst
    };
    Ok(match pixel_type {
        PixelType::U8x3 => Rgb8 { width, height, data: out.into_vec() },
        _ => to_rgb8(out.buffer(), pixel_type, width, height),
    })
}

/// Resizes an RGB8 image (for the thumbnail, made from the finished photo).
pub(crate) fn resize_rgb8(img: &Rgb8, width: u32, height: u32) -> Result<Rgb8, PhotoError> {
    if (img.width, img.height) == (width, height) {
        return Ok(img.clone());
    }
    let src = ImageRef::new(img.width, img.height, &img.data, PixelType::U8x3).map_err(resize_error)?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    Resizer::new().resize(&src, &mut dst, &options()).map_err(resize_error)?;
    Ok(Rgb8 { width, height, data: dst.into_vec() })
}

/// Converts a (small, already resized) buffer of another layout to RGB8.
/// Alpha is already flattened, so it is dropped; 16-bit values are rounded.
fn to_rgb8(bytes: &[u8], pixel_type: PixelType, width: u32, height: u32) -> Rgb8 {
    let n = width as usize * height as usize;
    let mut data = Vec::with_capacity(n * 3);
    let u16_at = |px: &[u8], i: usize| {
        let v = u32::from(u16::from_ne_bytes([px[2 * i], px[2 * i + 1]]));
        ((v * 255 + 32767) / 65535) as u8
    };
    let size = pixel_type.size();
    for px in bytes.chunks_exact(size).take(n) {
        let rgb = match pixel_type {
            PixelType::U8 | PixelType::U8x2 => [px[0]; 3],
            PixelType::U8x3 | PixelType::U8x4 => [px[0], px[1], px[2]],
            PixelType::U16 | PixelType::U16x2 => [u16_at(px, 0); 3],
            _ => [u16_at(px, 0), u16_at(px, 1), u16_at(px, 2)],
        };
        data.extend_from_slice(&rgb);
    }
    Rgb8 { width, height, data }
}

/// Applies EXIF orientation (1-8) so the image is upright.
pub(crate) fn orient(img: Rgb8, exif_orientation: u8) -> Rgb8 {
    let orientation = Orientation::from_exif(exif_orientation).unwrap_or(Orientation::NoTransforms);
    if orientation == Orientation::NoTransforms {
        return img;
    }
    let buf = image::RgbImage::from_raw(img.width, img.height, img.data).expect("buffer matches its size");
    let mut dynamic = DynamicImage::ImageRgb8(buf);
    // image's own mapping of the 8 EXIF values to rotations and flips.
    dynamic.apply_orientation(orientation);
    let buf = dynamic.into_rgb8();
    Rgb8 { width: buf.width(), height: buf.height(), data: buf.into_raw() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit(1000, 800, 2048), (1000, 800));
        assert_eq!(fit(2048, 10, 320), (320, 2));
        assert_eq!(fit(10_000, 1, 320), (320, 1));
    }

    #[test]
    fn grey_and_sixteen_bit_images_come_out_rgb8() {
        let grey = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(40, 20, image::Luma([100])));
        let out = downscale_to_rgb8(grey, 20, 10).unwrap();
        assert_eq!((out.width, out.height, out.data.len()), (20, 10, 600));
        assert!(out.data.iter().all(|&v| v == 100));
        let deep = DynamicImage::ImageRgb16(image::ImageBuffer::from_pixel(8, 8, image::Rgb([65535u16, 0, 32896])));
        let out = downscale_to_rgb8(deep, 8, 8).unwrap();
        assert_eq!(&out.data[..3], &[255, 0, 128]);
    }
}
