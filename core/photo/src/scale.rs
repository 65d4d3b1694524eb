//! Downscaling (a separable Lanczos3 of our own, in fixed point) and
//! orientation.
//!
//! The full-size decode is the one big buffer of the pipeline (36 MB for
//! 12 MP RGB8), so this file is where peak memory is decided:
//!
//! - the resize is two separable passes, vertical then horizontal. For an
//!   RGB8 decode (nearly every photo) the vertical pass writes its output
//!   (source width x target height) into the decoded buffer itself, which
//!   is then cut to that size; for other layouts it writes a new buffer and
//!   the source is dropped right after. The horizontal pass transposes that
//!   intermediate, narrows it with the vertical pass, and transposes back;
//! - whatever layout the decoder produced (grey, alpha already flattened,
//!   16 bits) is turned into RGB8 row by row as the first pass reads it:
//!   no full-size conversion copy exists;
//! - orientation is applied to the downscaled image (rotating 3 MP instead
//!   of 12 MP), which gives the same pixels as rotating first because the
//!   scale is the same on both axes.
//!
//! Lanczos3 with the support widened by the scale (an antialiasing
//! downscale) is what Pillow's `LANCZOS` does: sharp text on nameplates and
//! gauges without aliasing. Weights are 14-bit fixed point in `i16` and
//! accumulate in `i32` (what the SIMD resizers do for 8-bit images); the
//! inner loop is a widening multiply-add over rows (`accumulate_two`:
//! SSE2's `pmaddwd` on x86_64, the plain loop the compiler vectorises
//! elsewhere). One pixel layout and one filter: the resizing crates we
//! measured compile every layout and SIMD variant, megabytes of the phone
//! library for a pipeline that needs this (BENCHMARKS.md, "Library size").

use image::DynamicImage;
use image::metadata::Orientation;

use super::{PhotoError, Rgb8};

/// Fixed-point bits of a weight (an `i16`: weights reach about 1.1).
const PRECISION: u32 = 14;
const HALF: i32 = 1 << (PRECISION - 1);

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

fn lanczos3(x: f64) -> f64 {
    fn sinc(x: f64) -> f64 {
        if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) }
    }
    if x.abs() < 3.0 { sinc(x) * sinc(x / 3.0) } else { 0.0 }
}

/// For each output coordinate, the first source coordinate it reads and
/// the fixed-point weights of the source coordinates from there.
struct Taps {
    first: Vec<usize>,
    /// Weights of output `i`: `weights[i * stride..][..count[i]]`.
    weights: Vec<i16>,
    count: Vec<usize>,
    stride: usize,
}

impl Taps {
    fn new(src: u32, dst: u32) -> Taps {
        let scale = (f64::from(src) / f64::from(dst)).max(1.0);
        let support = 3.0 * scale;
        let stride = (2.0 * support).ceil() as usize + 2;
        let mut taps = Taps { first: vec![], weights: vec![0; stride * dst as usize], count: vec![], stride };
        let mut float = Vec::with_capacity(stride);
        for i in 0..dst as usize {
            let center = (i as f64 + 0.5) * f64::from(src) / f64::from(dst);
            let lo = (center - support).floor().max(0.0) as usize;
            let hi = ((center + support).ceil() as usize).min(src as usize).min(lo + stride);
            float.clear();
            float.extend((lo..hi).map(|j| lanczos3((j as f64 + 0.5 - center) / scale)));
            let sum: f64 = float.iter().sum();
            let out = &mut taps.weights[i * stride..];
            for (o, w) in out.iter_mut().zip(&float) {
                *o = (w / sum * f64::from(1u32 << PRECISION)).round() as i16;
            }
            taps.first.push(lo);
            taps.count.push(hi - lo);
        }
        taps
    }

    fn of(&self, i: usize) -> (usize, &[i16]) {
        (self.first[i], &self.weights[i * self.stride..][..self.count[i]])
    }
}

fn to_u8(acc: i32) -> u8 {
    ((acc + HALF) >> PRECISION).clamp(0, 255) as u8
}

/// Rows of RGB8 pixels, read from a decoded image in its own layout or
/// from an RGB8 buffer.
enum Rows<'a> {
    Image(&'a DynamicImage),
    Rgb { data: &'a [u8], width: u32 },
}

impl Rows<'_> {
    fn width(&self) -> usize {
        match self {
            Rows::Image(img) => img.width() as usize,
            Rows::Rgb { width, .. } => *width as usize,
        }
    }

    /// Row `y` as RGB8: borrowed when the layout is RGB8, else converted
    /// into `scratch` (alpha is already flattened, so it is dropped;
    /// 16-bit values are rounded).
    fn row<'b>(&'b self, y: usize, scratch: &'b mut Vec<u8>) -> &'b [u8] {
        let w = self.width();
        let u16_to_u8 = |v: u16| ((u32::from(v) * 255 + 32767) / 65535) as u8;
        scratch.clear();
        match self {
            Rows::Rgb { data, .. } => return &data[y * w * 3..][..w * 3],
            Rows::Image(DynamicImage::ImageRgb8(b)) => return &b.as_raw()[y * w * 3..][..w * 3],
            Rows::Image(DynamicImage::ImageRgba8(b)) => {
                b.as_raw()[y * w * 4..][..w * 4].chunks_exact(4).for_each(|p| scratch.extend_from_slice(&p[..3]))
            }
            Rows::Image(DynamicImage::ImageLuma8(b)) => b.as_raw()[y * w..][..w].iter().for_each(|&v| scratch.extend_from_slice(&[v; 3])),
            Rows::Image(DynamicImage::ImageLumaA8(b)) => {
                b.as_raw()[y * w * 2..][..w * 2].chunks_exact(2).for_each(|p| scratch.extend_from_slice(&[p[0]; 3]))
            }
            Rows::Image(DynamicImage::ImageRgb16(b)) => b.as_raw()[y * w * 3..][..w * 3].iter().for_each(|&v| scratch.push(u16_to_u8(v))),
            Rows::Image(DynamicImage::ImageRgba16(b)) => {
                b.as_raw()[y * w * 4..][..w * 4].chunks_exact(4).for_each(|p| scratch.extend(p[..3].iter().map(|&v| u16_to_u8(v))))
            }
            Rows::Image(DynamicImage::ImageLuma16(b)) => {
                b.as_raw()[y * w..][..w].iter().for_each(|&v| scratch.extend_from_slice(&[u16_to_u8(v); 3]))
            }
            Rows::Image(DynamicImage::ImageLumaA16(b)) => {
                b.as_raw()[y * w * 2..][..w * 2].chunks_exact(2).for_each(|p| scratch.extend_from_slice(&[u16_to_u8(p[0]); 3]))
            }
            Rows::Image(_) => unreachable!("other layouts are converted before resizing"),
        }
        scratch
    }
}

/// Values of a row accumulated at once: the accumulators (16 KB) stay in
/// the first-level cache while every tap's rows stream past them.
const TILE: usize = 4096;

/// Vertical pass: `height` rows of the source's width.
fn vertical(src: &Rows<'_>, src_height: u32, height: u32) -> Vec<u8> {
    let n = src.width() * 3;
    let taps = Taps::new(src_height, height);
    let mut out = vec![0u8; n * height as usize];
    let mut work = RowWork::default();
    for (y, out_row) in out.chunks_exact_mut(n).enumerate() {
        work.output_row(src, &taps, y, out_row);
    }
    out
}

/// The vertical pass over an RGB8 image, written into the image's own
/// buffer: output row `y` goes where source row `y` was once no later
/// output row reads source rows up to `y` (the few rows before that wait
/// in a queue). The buffer is then cut to the output's size, so the pass
/// needs no second full-size-wide buffer: for a 12 MP photo 18 MB less at
/// the peak.
fn vertical_in_place(mut data: Vec<u8>, width: u32, src_height: u32, height: u32) -> Vec<u8> {
    let n = width as usize * 3;
    let taps = Taps::new(src_height, height);
    let mut work = RowWork::default();
    let mut waiting: std::collections::VecDeque<(usize, Vec<u8>)> = Default::default();
    // Rows already written back, reused for the next output rows.
    let mut spare: Vec<Vec<u8>> = vec![];
    for y in 0..height as usize {
        let mut row = spare.pop().unwrap_or_else(|| vec![0u8; n]);
        work.output_row(&Rows::Rgb { data: &data, width }, &taps, y, &mut row);
        waiting.push_back((y, row));
        // Sources rows below this are read by no later output row.
        let needed_from = if y + 1 < height as usize { taps.first[y + 1] } else { usize::MAX };
        while waiting.front().is_some_and(|(slot, _)| *slot < needed_from) {
            let (slot, row) = waiting.pop_front().expect("checked");
            data[slot * n..(slot + 1) * n].copy_from_slice(&row);
            spare.push(row);
        }
    }
    data.truncate(n * height as usize);
    data.shrink_to_fit();
    data
}

/// Buffers reused from one output row of the vertical pass to the next.
#[derive(Default)]
struct RowWork {
    scratch: Vec<Vec<u8>>,
}

impl RowWork {
    /// Computes output row `y` of the vertical pass into `out_row`.
    fn output_row(&mut self, src: &Rows<'_>, taps: &Taps, y: usize, out_row: &mut [u8]) {
        let n = out_row.len();
        let (first, weights) = taps.of(y);
        // The rows this output row reads, converted once if need be.
        self.scratch.resize_with(weights.len().max(self.scratch.len()), Vec::new);
        let mut rows: Vec<&[u8]> = Vec::with_capacity(weights.len());
        let mut rest = &mut self.scratch[..];
        for k in 0..weights.len() {
            let (one, tail) = rest.split_first_mut().expect("one scratch row per tap");
            rows.push(src.row(first + k, one));
            rest = tail;
        }
        let mut acc = [0i32; TILE];
        for start in (0..n).step_by(TILE) {
            let len = TILE.min(n - start);
            let acc = &mut acc[..len];
            acc.fill(0);
            let mut k = 0;
            while k + 1 < rows.len() {
                let (r0, r1) = (&rows[k][start..start + len], &rows[k + 1][start..start + len]);
                accumulate_two(acc, r0, r1, weights[k], weights[k + 1]);
                k += 2;
            }
            if k < rows.len() {
                let r = &rows[k][start..start + len];
                accumulate_two(acc, r, r, weights[k], 0);
            }
            for (o, &a) in out_row[start..start + len].iter_mut().zip(acc.iter()) {
                *o = to_u8(a);
            }
        }
    }
}

/// `acc[i] += r0[i] * w0 + r1[i] * w1`, the inner loop of the resize.
/// On x86_64 with SSE2 (every x86_64 CPU): `pmaddwd` does eight of these
/// products per instruction, where the compiler on its own emulates 32-bit
/// multiplies (SSE2 has none). Elsewhere (ARM's NEON multiplies 32-bit
/// lanes natively) the plain loop, which the compiler vectorises.
fn accumulate_two(acc: &mut [i32], r0: &[u8], r1: &[u8], w0: i16, w1: i16) {
    let done = simd_accumulate_two(acc, r0, r1, w0, w1);
    accumulate_two_scalar(&mut acc[done..], &r0[done..], &r1[done..], w0, w1);
}

fn accumulate_two_scalar(acc: &mut [i32], r0: &[u8], r1: &[u8], w0: i16, w1: i16) {
    let (w0, w1) = (i32::from(w0), i32::from(w1));
    for ((a, &p), &q) in acc.iter_mut().zip(r0).zip(r1) {
        *a += i32::from(p) * w0 + i32::from(q) * w1;
    }
}

/// The SSE2 part of [`accumulate_two`]: whole blocks of 16 values; returns
/// how many it did.
#[cfg(target_arch = "x86_64")]
fn simd_accumulate_two(acc: &mut [i32], r0: &[u8], r1: &[u8], w0: i16, w1: i16) -> usize {
    use std::arch::x86_64::*;
    let n = acc.len().min(r0.len()).min(r1.len()) / 16 * 16;
    // SAFETY: SSE2 is part of x86_64; every load and store below is of 16
    // bytes within `..n` of slices at least `n` long (unaligned forms).
    unsafe {
        let weights = _mm_set1_epi32((i32::from(w1 as u16) << 16) | i32::from(w0 as u16));
        let zero = _mm_setzero_si128();
        for i in (0..n).step_by(16) {
            let a = _mm_loadu_si128(r0.as_ptr().add(i).cast());
            let b = _mm_loadu_si128(r1.as_ptr().add(i).cast());
            // Bytes a0 b0 a1 b1 ..., widened to 16 bits: pairs for pmaddwd.
            let (lo, hi) = (_mm_unpacklo_epi8(a, b), _mm_unpackhi_epi8(a, b));
            let pairs =
                [_mm_unpacklo_epi8(lo, zero), _mm_unpackhi_epi8(lo, zero), _mm_unpacklo_epi8(hi, zero), _mm_unpackhi_epi8(hi, zero)];
            for (j, p) in pairs.into_iter().enumerate() {
                let at = acc.as_mut_ptr().add(i + 4 * j).cast::<__m128i>();
                _mm_storeu_si128(at, _mm_add_epi32(_mm_loadu_si128(at), _mm_madd_epi16(p, weights)));
            }
        }
    }
    n
}

#[cfg(not(target_arch = "x86_64"))]
fn simd_accumulate_two(_: &mut [i32], _: &[u8], _: &[u8], _: i16, _: i16) -> usize {
    0
}

/// Swaps rows and columns of an RGB8 image `width` x `height`, in blocks
/// that stay in cache.
fn transpose(data: &[u8], width: usize, height: usize) -> Vec<u8> {
    const BLOCK: usize = 32;
    assert_eq!(data.len(), width * height * 3, "an RGB8 image of that size");
    let mut out = vec![0u8; data.len()];
    let (from, _) = data.as_chunks::<3>();
    let (to, _) = out.as_chunks_mut::<3>();
    for by in (0..height).step_by(BLOCK) {
        for bx in (0..width).step_by(BLOCK) {
            for y in by..(by + BLOCK).min(height) {
                for x in bx..(bx + BLOCK).min(width) {
                    // SAFETY: y < height and x < width, and both slices hold
                    // width * height pixels (asserted above).
                    unsafe { *to.get_unchecked_mut(x * height + y) = *from.get_unchecked(y * width + x) };
                }
            }
        }
    }
    out
}

/// Horizontal pass of an RGB8 buffer, done as the vertical pass of its
/// transpose: the vectorised loop instead of a per-pixel one, for two
/// transposes (a few ms) and one more buffer the size of the input, whose
/// own source is already freed.
fn horizontal_rgb(data: Vec<u8>, src_width: u32, height: u32, width: u32) -> Vec<u8> {
    let (sw, h) = (src_width as usize, height as usize);
    let columns = transpose(&data, sw, h);
    drop(data);
    let narrowed = vertical(&Rows::Rgb { data: &columns, width: height }, src_width, width);
    drop(columns);
    transpose(&narrowed, h, width as usize)
}

/// Horizontal pass: each of `height` rows to `width` pixels (for a source
/// that is not RGB8 and keeps its height; else [`horizontal_rgb`]).
fn horizontal(src: &Rows<'_>, height: u32, width: u32) -> Vec<u8> {
    let taps = Taps::new(src.width() as u32, width);
    let mut out = vec![0u8; width as usize * 3 * height as usize];
    let mut scratch = Vec::new();
    for (y, out_row) in out.chunks_exact_mut(width as usize * 3).enumerate() {
        let row = src.row(y, &mut scratch);
        for (x, px) in out_row.chunks_exact_mut(3).enumerate() {
            let (first, weights) = taps.of(x);
            let pixels = &row[first * 3..(first + weights.len()) * 3];
            let mut acc = [0i32; 3];
            for (p, &w) in pixels.chunks_exact(3).zip(weights) {
                let w = i32::from(w);
                acc[0] += i32::from(p[0]) * w;
                acc[1] += i32::from(p[1]) * w;
                acc[2] += i32::from(p[2]) * w;
            }
            px.copy_from_slice(&acc.map(to_u8));
        }
    }
    out
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
    if width == 0 || height == 0 || width > sw || height > sh {
        return Err(PhotoError::Decode(format!("cannot resize {sw} x {sh} px to {width} x {height} px")));
    }
    let data = if (sw, sh) == (width, height) {
        match img {
            // Already the right size and layout: hand the buffer over.
            DynamicImage::ImageRgb8(buf) => buf.into_raw(),
            other => {
                let rows = Rows::Image(&other);
                let mut scratch = Vec::new();
                (0..sh as usize).flat_map(|y| rows.row(y, &mut scratch).to_vec()).collect()
            }
        }
    } else if sh != height {
        let tall = match img {
            // Nearly every photo: the decoded buffer becomes the intermediate.
            DynamicImage::ImageRgb8(buf) => vertical_in_place(buf.into_raw(), sw, sh, height),
            other => vertical(&Rows::Image(&other), sh, height), // the full-size decode is dropped after
        };
        if sw == width { tall } else { horizontal_rgb(tall, sw, height, width) }
    } else {
        horizontal(&Rows::Image(&img), height, width)
    };
    Ok(Rgb8 { width, height, data })
}

/// Resizes an RGB8 image (for the thumbnail, made from the finished photo).
pub(crate) fn resize_rgb8(img: &Rgb8, width: u32, height: u32) -> Result<Rgb8, PhotoError> {
    if (img.width, img.height) == (width, height) {
        return Ok(img.clone());
    }
    if width == 0 || height == 0 || width > img.width || height > img.height {
        return Err(PhotoError::Decode(format!("cannot resize {} x {} px to {width} x {height} px", img.width, img.height)));
    }
    let src = Rows::Rgb { data: &img.data, width: img.width };
    let tall = if img.height == height { img.data.clone() } else { vertical(&src, img.height, height) };
    let data = if img.width == width { tall } else { horizontal_rgb(tall, img.width, height, width) };
    Ok(Rgb8 { width, height, data })
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

    /// The same resize in floating point, straight from the definition.
    fn reference(src: &[u8], sw: usize, sh: usize, tw: usize, th: usize) -> Vec<f64> {
        let weights = |s: usize, d: usize, i: usize| -> Vec<(usize, f64)> {
            let scale = (s as f64 / d as f64).max(1.0);
            let center = (i as f64 + 0.5) * s as f64 / d as f64;
            let w: Vec<(usize, f64)> =
                (0..s).map(|j| (j, lanczos3((j as f64 + 0.5 - center) / scale))).filter(|(_, w)| *w != 0.0).collect();
            let sum: f64 = w.iter().map(|(_, w)| w).sum();
            w.into_iter().map(|(j, w)| (j, w / sum)).collect()
        };
        let mut tall = vec![0.0; sw * th * 3];
        for y in 0..th {
            for (j, w) in weights(sh, th, y) {
                for x in 0..sw * 3 {
                    tall[y * sw * 3 + x] += f64::from(src[j * sw * 3 + x]) * w;
                }
            }
        }
        let tall: Vec<f64> = tall.into_iter().map(|v| v.round().clamp(0.0, 255.0)).collect();
        let mut out = vec![0.0; tw * th * 3];
        for y in 0..th {
            for x in 0..tw {
                for (j, w) in weights(sw, tw, x) {
                    for c in 0..3 {
                        out[(y * tw + x) * 3 + c] += tall[(y * sw + j) * 3 + c] * w;
                    }
                }
            }
        }
        out.into_iter().map(|v| v.clamp(0.0, 255.0)).collect()
    }

    #[test]
    fn the_fixed_point_resize_matches_the_definition() {
        // Edges, gradients and noise, at the scales the pipeline uses.
        let (sw, sh) = (97, 61);
        let src: Vec<u8> = (0..sw * sh * 3)
            .map(|i| {
                let (x, y, c) = ((i / 3) % sw, (i / 3) / sw, i % 3);
                if (x / 9 + y / 7) % 2 == 0 { ((x * 5 + c * 40) % 256) as u8 } else { ((i * 2_654_435_761) >> 13) as u8 }
            })
            .collect();
        for (tw, th) in [(48, 30), (20, 13), (97, 20), (31, 61), (5, 3)] {
            let img = Rgb8 { width: sw as u32, height: sh as u32, data: src.clone() };
            let ours = resize_rgb8(&img, tw as u32, th as u32).unwrap();
            let want = reference(&src, sw, sh, tw, th);
            let worst = ours.data.iter().zip(&want).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
            assert!(worst <= 1.0, "{tw}x{th}: off by {worst}");
        }
    }

    #[test]
    fn both_horizontal_passes_agree_and_transposing_twice_is_the_identity() {
        let (w, h) = (53usize, 37usize);
        let data: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 251) as u8).collect();
        assert_eq!(transpose(&transpose(&data, w, h), h, w), data);
        let scalar = horizontal(&Rows::Rgb { data: &data, width: w as u32 }, h as u32, 20);
        assert_eq!(horizontal_rgb(data.clone(), w as u32, h as u32, 20), scalar);
        // And the vertical pass in place gives what the plain one gives.
        for th in [37, 36, 30, 18, 5, 1] {
            let plain = vertical(&Rows::Rgb { data: &data, width: w as u32 }, h as u32, th);
            assert_eq!(vertical_in_place(data.clone(), w as u32, h as u32, th), plain, "to {th} rows");
        }
    }

    #[test]
    fn the_vector_and_the_plain_inner_loops_agree() {
        let r0: Vec<u8> = (0..77).map(|i| (i * 37 % 256) as u8).collect();
        let r1: Vec<u8> = (0..77).map(|i| 255 - (i * 11 % 256) as u8).collect();
        for (w0, w1) in [(16384, 0), (-1200, 17000), (i16::MAX, i16::MIN), (0, -1)] {
            let (mut fast, mut plain) = (vec![7i32; 77], vec![7i32; 77]);
            accumulate_two(&mut fast, &r0, &r1, w0, w1);
            accumulate_two_scalar(&mut plain, &r0, &r1, w0, w1);
            assert_eq!(fast, plain, "weights {w0} {w1}");
        }
    }

    #[test]
    fn a_flat_image_stays_flat_and_sizes_are_checked() {
        let img = Rgb8 { width: 300, height: 200, data: [12u8, 200, 90].repeat(300 * 200) };
        let out = resize_rgb8(&img, 7, 5).unwrap();
        assert!(out.data.chunks(3).all(|p| p == [12, 200, 90]));
        assert!(resize_rgb8(&img, 301, 5).is_err() && resize_rgb8(&img, 0, 5).is_err());
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
