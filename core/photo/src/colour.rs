//! Colour: a photo whose file carries an ICC profile other than sRGB (an
//! iPhone shoots in Display P3) is converted to sRGB, which is what every
//! screen, PDF and browser showing the stored photo assumes. Without it
//! the evidence shows shifted colours: P3's saturated red read as sRGB is
//! duller, a rust stain or a warning sign changes hue.
//!
//! qcms (Firefox's colour management) does the conversion, on the
//! downscaled image (3 MP, not 12) before the watermark, so the white text
//! is drawn in the output space. A profile qcms cannot read (damaged,
//! CMYK, a kind it does not support) leaves the pixels as they are: the
//! photo is still evidence, and every camera's default is sRGB.

use std::sync::OnceLock;

use qcms::{DataType, Intent, Profile, Transform};

use super::Rgb8;

/// sRGB as the output, with its inverse curves computed once.
fn srgb() -> &'static Profile {
    static SRGB: OnceLock<Box<Profile>> = OnceLock::new();
    SRGB.get_or_init(|| {
        let mut p = Profile::new_sRGB();
        p.precache_output_transform();
        p
    })
}

/// Converts `img` from the colour space `icc` describes to sRGB, in place.
/// Returns whether it did (false for an unreadable or non-RGB profile).
pub(crate) fn to_srgb(img: &mut Rgb8, icc: &[u8]) -> bool {
    // Only RGB profiles: a grey JPEG's profile does not describe RGB pixels.
    if icc.get(16..20) != Some(b"RGB ") {
        return false;
    }
    let Some(input) = Profile::new_from_slice(icc, false) else {
        return false;
    };
    match Transform::new(&input, srgb(), DataType::RGB8, Intent::Perceptual) {
        Some(t) => {
            t.apply(&mut img.data);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_and_non_rgb_profiles_leave_the_pixels_alone() {
        let mut img = Rgb8 { width: 2, height: 1, data: vec![10, 20, 30, 40, 50, 60] };
        assert!(!to_srgb(&mut img, b"not a profile"));
        let mut grey = vec![0u8; 200];
        grey[16..20].copy_from_slice(b"GRAY");
        assert!(!to_srgb(&mut img, &grey));
        let mut rgb_junk = vec![0xAB; 300];
        rgb_junk[16..20].copy_from_slice(b"RGB ");
        assert!(!to_srgb(&mut img, &rgb_junk));
        assert_eq!(img.data, vec![10, 20, 30, 40, 50, 60]);
    }
}
