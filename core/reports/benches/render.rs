//! Render time and size of a 60-answer on-site inspection record with 20
//! photos, and of its order, in the font the phones are given (Debian's
//! WenQuanYi Micro Hei, 5 MB): median of 15 renders after one warm-up, the
//! photos as the phone's 240-pixel thumbnails (what the documents embed)
//! and, to bound the size, as 600x800 photos instead; each photo a
//! different file.
//!
//! `cargo bench -p redline-reports --bench render`

use redline_domain::inspection::*;
use redline_domain::people::Person;
use redline_domain::template::builtin_template;
use redline_reports::{DocumentKind, Facts, Issuer, Lang, ReportFont, render};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

const T0: i64 = 1_796_000_000_000;

fn main() {
    let font =
        ReportFont::from_bytes(std::fs::read("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").expect("fonts-wqy-microhei")).unwrap();
    let photos = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../server/demo/photos");
    // Sixty items: the fireworks checklist's sections, repeated under new ids.
    let mut template = builtin_template("fireworks").unwrap().clone();
    let extra: Vec<_> = template.sections.clone();
    for (n, mut s) in extra.into_iter().enumerate() {
        s.id = format!("{}-b{n}", s.id);
        s.show_if = None;
        for it in &mut s.items {
            it.id = format!("{}b", it.id);
            it.show_if = None;
        }
        template.sections.push(s);
    }
    for s in &mut template.sections {
        s.show_if = None;
        for it in &mut s.items {
            it.show_if = None;
        }
    }
    let items: Vec<_> = template.items().map(|(_, it)| it.clone()).take(60).collect();
    let who = Person { user_id: "inspector-zhang".into(), name: "张检查员".into() };
    let mut answers = BTreeMap::new();
    for it in &items {
        answers
            .insert(it.id.clone(), Answer { value: AnswerValue::Pass, note: Some("现场核查，符合要求".into()), by: who.clone(), at: T0 });
    }
    let mut findings = BTreeMap::new();
    let mut photo_refs = BTreeMap::new();
    for (n, item) in items.iter().take(5).enumerate() {
        let id = format!("f{n}");
        findings.insert(
            id.clone(),
            Finding {
                id: id.clone(),
                item_id: Some(item.id.clone()),
                description: "经营场所未按规定设置安全警示标志，存放超量".into(),
                grade: Grade::General,
                location: None,
                deadline: None,
                responsible: None,
                by: who.clone(),
                at: T0,
            },
        );
        for k in 0..4 {
            let hash = format!("p{n}{k}");
            photo_refs.insert(
                hash.clone(),
                PhotoRef {
                    hash: hash.clone(),
                    thumb_hash: Some(format!("t{n}{k}")),
                    owner: PhotoOwner::Finding(id.clone()),
                    size: 0,
                    width: 600,
                    height: 800,
                    taken_at: T0,
                    location: None,
                    by: who.clone(),
                },
            );
        }
    }
    let inspection = Inspection {
        id: "bench".into(),
        header: InspectionHeader {
            site_id: "s".into(),
            site_name: "七星烟花爆竹零售点".into(),
            kind: InspectionKind::SpecialCampaign,
            template_id: template.id.clone(),
            template_version: template.version,
            created_by: who.clone(),
            started_at: T0,
            task_id: None,
        },
        inspectors: vec![who.clone()],
        location: None,
        finished_at: Some(T0 + 3_600_000),
        status: InspectionStatus::Submitted,
        submitted_by: Some(who.clone()),
        answers,
        findings,
        signatures: BTreeMap::new(),
        photos: photo_refs,
        amendments: vec![],
        conflicts: vec![],
    };
    println!("load average: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
    println!("| photos embedded | answers | photos | median render | min-max | PDF size |");
    println!("|---|---|---|---|---|---|");
    for (label, file, thumbs) in [("thumbnails (240 px)", "chem-stain.thumb.jpg", true), ("600x800 photos", "chem-stain.jpg", false)] {
        let bytes = std::fs::read(photos.join(file)).unwrap();
        let mut blobs: HashMap<String, Vec<u8>> = HashMap::new();
        for (n, p) in inspection.photos.values().enumerate() {
            let key = if thumbs { p.thumb_hash.clone().unwrap() } else { p.hash.clone() };
            // Twenty different files (a JPEG comment after the start
            // marker), so none is embedded once for all.
            let mut distinct = bytes[..2].to_vec();
            let note = format!("photo {n}");
            distinct.extend([0xFF, 0xFE, 0, (note.len() + 2) as u8]);
            distinct.extend(note.as_bytes());
            distinct.extend(&bytes[2..]);
            blobs.insert(key, distinct);
        }
        let lookup = |h: &str| blobs.get(h).cloned();
        let certs = BTreeMap::new();
        let facts =
            Facts { inspection: &inspection, template: Some(&template), site: None, hazards: &[], certificates: &certs, blobs: &lookup };
        let issuer = Issuer::default();
        let pdf = render(DocumentKind::InspectionRecord, &facts, &issuer, Lang::Zh, &font).unwrap();
        let mut times = vec![];
        for _ in 0..15 {
            let t = Instant::now();
            render(DocumentKind::InspectionRecord, &facts, &issuer, Lang::Zh, &font).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| {label} ({} KB each) | {} | {} | {:.0} ms | {:.0}-{:.0} ms | {:.0} KB |",
            bytes.len() / 1024,
            inspection.answers.len(),
            inspection.photos.len(),
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            pdf.len() as f64 / 1024.0
        );
    }
}
