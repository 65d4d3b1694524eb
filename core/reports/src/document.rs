//! What the documents share: the title block, the party's fields, photos
//! and signatures looked up by hash, and the finished PDF with its page
//! numbers.

use crate::layout::{Layout, Picture, SignatureBlock};
use crate::texts::T;
use crate::{Facts, ReportError, ReportFont};
use redline_domain::inspection::{PhotoRef, Signature, SignerRole};
use std::sync::Arc;

/// A picture from bytes, if they are a JPEG or PNG whose size reads.
pub fn picture(bytes: Vec<u8>, caption: String) -> Option<Picture> {
    let data = Arc::new(bytes);
    let image = krilla::image::Image::from_jpeg(data.clone().into(), true)
        .or_else(|_| krilla::image::Image::from_png(data.clone().into(), true))
        .ok()?;
    let (width, height) = image.size();
    Some(Picture { image, width, height, caption })
}

/// A photo as a reduced copy: its thumbnail when at hand, else the photo.
pub fn photo(facts: &Facts<'_>, p: &PhotoRef, caption: String) -> Option<Picture> {
    let bytes = p.thumb_hash.as_deref().and_then(|h| (facts.blobs)(h)).or_else(|| (facts.blobs)(&p.hash))?;
    picture(bytes, caption)
}

/// The title, and the document number under it when there is one.
pub fn title(l: &mut Layout<'_>, title: &str, number: &str) {
    l.centered(20.0, title);
    if !number.is_empty() {
        l.centered(11.0, number);
    }
    l.gap(8.0);
}

/// The party: name, address, the person present.
pub fn party(facts: &Facts<'_>, t: T) -> Vec<(String, String)> {
    let h = &facts.inspection.header;
    let address = facts.site.map(|s| s.address.clone()).unwrap_or_default();
    let enterprise = facts.inspection.signatures.values().find(|s| s.role == SignerRole::Enterprise).map(|s| s.signer_name.clone());
    let present = enterprise.or_else(|| facts.site.and_then(|s| s.contact_name.clone())).unwrap_or_default();
    vec![(t.s("f.site").into(), h.site_name.clone()), (t.s("f.address").into(), address), (t.s("f.present").into(), present)]
}

/// The inspectors with their certificate numbers where known.
pub fn inspectors(facts: &Facts<'_>) -> String {
    facts
        .inspection
        .inspectors
        .iter()
        .map(|p| match facts.certificates.get(&p.user_id) {
            Some(c) => format!("{}（{c}）", p.name),
            None => p.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Signature blocks for the signatures of `role`, or one empty block to
/// sign on paper when there is none.
pub fn signatures(facts: &Facts<'_>, t: T, role: SignerRole, label: &str) -> Vec<SignatureBlock> {
    let mut of_role: Vec<&Signature> = facts.inspection.signatures.values().filter(|s| s.role == role).collect();
    of_role.sort_by_key(|s| s.at);
    if of_role.is_empty() {
        return vec![SignatureBlock { label: label.into(), name: String::new(), date: String::new(), image: None }];
    }
    of_role
        .into_iter()
        .map(|s| SignatureBlock {
            label: label.into(),
            name: s.signer_name.clone(),
            date: t.time(s.at),
            image: (facts.blobs)(&s.image_hash).and_then(|b| picture(b, String::new())),
        })
        .collect()
}

/// The laid-out pages as a PDF with page numbers.
pub fn finish(l: Layout<'_>, font: &ReportFont, t: T, title: &str) -> Result<Vec<u8>, ReportError> {
    crate::draw::pdf(font, title, &l.pages, |n, of| t.page(n, of))
}
