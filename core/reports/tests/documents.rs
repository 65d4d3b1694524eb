//! The three enforcement documents and the period summary rendered from
//! domain data and read back with Debian's poppler-utils: the text is
//! there (site, a Chinese checklist item, the deadline, the number), the
//! CJK font is embedded as a subset, pages render to PNG (kept under
//! `target/report-pages/` to look at), an English rendering of the same
//! data, and bad input is a typed error. Without poppler or the font the
//! tests say so and pass, except under CI.

use redline_domain::hazard::{Action, Hazard, HazardHeader, Transition, fold};
use redline_domain::inspection::*;
use redline_domain::people::{Person, Role};
use redline_domain::site::Site;
use redline_domain::template::{AnswerType, SiteCategory, Template, builtin_template};
use redline_domain::time::{Date, Millis};
use redline_reports::{DocumentKind, Facts, Issuer, Lang, PeriodSummary, ReportError, ReportFont, SummaryRow, render, render_summary};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
const T0: Millis = 1_796_000_000_000;

fn required(what: &str) -> Option<ReportFont> {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing: scripts/test-all.sh installs it");
    }
    eprintln!("skipping: {what} is missing");
    None
}

fn tools() -> Option<ReportFont> {
    if !Path::new(FONT).exists() {
        required("fonts-wqy-microhei")
    } else if Command::new("pdftotext").arg("-v").output().is_err() {
        required("poppler-utils")
    } else {
        Some(ReportFont::from_bytes(std::fs::read(FONT).unwrap()).unwrap())
    }
}

fn photo_fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../server/demo/photos").join(name)).unwrap()
}

fn person(id: &str, name: &str) -> Person {
    Person { user_id: id.into(), name: name.into() }
}

struct Case {
    inspection: Inspection,
    hazards: Vec<Hazard>,
    blobs: HashMap<String, Vec<u8>>,
    site: Site,
}

/// A submitted hazardous-chemicals inspection: every item answered, two
/// failed with findings and photos, signed by the inspector and the
/// enterprise; its two hazards, one fixed and re-checked.
fn case(template: &Template, photos_per_finding: usize) -> Case {
    let zhang = person("inspector-zhang", "张检查员");
    let header = InspectionHeader {
        site_id: "nh-chem-01".into(),
        site_name: "湘家荡精细化工仓储".into(),
        kind: InspectionKind::Enforcement,
        template_id: template.id.clone(),
        template_version: template.version,
        created_by: zhang.clone(),
        started_at: T0,
        task_id: None,
    };
    let failed = ["H01", "H05"];
    let mut answers = BTreeMap::new();
    for (_, item) in template.items() {
        let value = match &item.answer {
            _ if failed.contains(&item.id.as_str()) => AnswerValue::Fail,
            AnswerType::Number { min, .. } => AnswerValue::Number(min.unwrap_or(1.0)),
            _ => AnswerValue::Pass,
        };
        answers.insert(item.id.clone(), Answer { value, note: Some("现场核查".into()), by: zhang.clone(), at: T0 + 60_000 });
    }
    let deadline = Date::in_china(T0).add_days(15);
    let mut findings = BTreeMap::new();
    let mut photos = BTreeMap::new();
    let mut blobs = HashMap::new();
    for (n, item) in failed.iter().enumerate() {
        let id = format!("f{n}");
        findings.insert(
            id.clone(),
            Finding {
                id: id.clone(),
                item_id: Some(item.to_string()),
                description: if n == 0 {
                    "危化品仓库地面有泄漏痕迹，未及时清理".into()
                } else {
                    "安全出口堵塞，应急照明损坏".into()
                },
                grade: Grade::General,
                location: None,
                deadline: Some(deadline),
                responsible: Some("仓库主管 王某".into()),
                by: zhang.clone(),
                at: T0 + 120_000 + n as i64,
            },
        );
        for k in 0..photos_per_finding {
            let hash = format!("{n}-{k}");
            blobs.insert(format!("thumb-{hash}"), photo_fixture("chem-stain.thumb.jpg"));
            photos.insert(
                hash.clone(),
                PhotoRef {
                    hash: hash.clone(),
                    thumb_hash: Some(format!("thumb-{hash}")),
                    owner: PhotoOwner::Finding(id.clone()),
                    size: 20_000,
                    width: 1600,
                    height: 1200,
                    taken_at: T0 + 130_000,
                    location: None,
                    by: zhang.clone(),
                },
            );
        }
    }
    let mut signatures = BTreeMap::new();
    for (key, name, role) in
        [("inspector:inspector-zhang", "张检查员", SignerRole::Inspector), ("enterprise", "李经理", SignerRole::Enterprise)]
    {
        blobs.insert(format!("sig-{key}"), b"not a picture: the strokes as the app stored them".to_vec());
        signatures.insert(
            key.into(),
            Signature { signer_name: name.into(), role, image_hash: format!("sig-{key}"), by: zhang.clone(), at: T0 + 600_000 },
        );
    }
    let inspection = Inspection {
        id: "6f1d0001-2c4e-4a7b-9d10-5e6f7a8b9c01".into(),
        header,
        inspectors: vec![zhang.clone(), person("inspector-zhou", "周检查员")],
        location: None,
        finished_at: Some(T0 + 3_600_000),
        status: InspectionStatus::Submitted,
        submitted_by: Some(zhang.clone()),
        answers,
        findings,
        signatures,
        photos,
        amendments: vec![],
        conflicts: vec![],
    };
    let mut hazards = vec![];
    for f in inspection.findings.values() {
        let header = HazardHeader::of_finding(&inspection, f);
        let mut transitions = vec![];
        let mut hphotos = BTreeMap::new();
        if f.id == "f0" {
            let tr = |id: &str, action, by: Person, role, at, note: &str, evidence: Vec<String>| Transition {
                id: id.into(),
                action,
                by,
                role,
                at,
                note: note.into(),
                evidence,
            };
            blobs.insert("after-thumb".into(), photo_fixture("chem-fixed.thumb.jpg"));
            let after = PhotoRef {
                hash: "after".into(),
                thumb_hash: Some("after-thumb".into()),
                owner: PhotoOwner::Transition("t1".into()),
                size: 20_000,
                width: 1600,
                height: 1200,
                taken_at: T0 + 86_400_000 * 3,
                location: None,
                by: person("boss", "仓库主管"),
            };
            hphotos.insert("after".into(), after);
            transitions.push(tr(
                "t1",
                Action::ReportFix,
                person("boss", "仓库主管"),
                Role::Inspector,
                T0 + 86_400_000 * 3,
                "已清理并设置围堰",
                vec!["after".into()],
            ));
            transitions.push(tr(
                "t2",
                Action::Recheck { accepted: true },
                zhang.clone(),
                Role::Inspector,
                T0 + 86_400_000 * 5,
                "复查合格，同意销号",
                vec![],
            ));
        }
        let status = fold(&header, &transitions);
        hazards.push(Hazard { id: f.id.clone(), header, transitions, status, photos: hphotos, conflicts: vec![] });
    }
    let site = Site {
        id: "nh-chem-01".into(),
        name: "湘家荡精细化工仓储".into(),
        address: "湘家荡区域亚太路 18 号".into(),
        area: "zj/jx/nh/xjd".into(),
        categories: vec![SiteCategory::HazardousChemicals],
        location: None,
        contact_name: Some("李经理".into()),
        contact_phone: None,
        risk: None,
    };
    Case { inspection, hazards, blobs, site }
}

fn issuer() -> Issuer {
    Issuer {
        office: "南湖区应急管理局".into(),
        order_number: "南湖应急责改〔2026〕12号".into(),
        recheck_number: "南湖应急复查〔2026〕5号".into(),
    }
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-pages");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the PDF, extracts its text, lists its fonts, renders page 1.
fn read_back(name: &str, pdf: &[u8]) -> (String, String) {
    let dir = out_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let text = Command::new("pdftotext").args(["-layout", path.to_str().unwrap(), "-"]).output().unwrap();
    assert!(text.status.success(), "pdftotext: {}", String::from_utf8_lossy(&text.stderr));
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let png = Command::new("pdftoppm").args(["-png", "-r", "60", "-f", "1", "-l", "2"]).arg(&path).arg(dir.join(name)).status().unwrap();
    assert!(png.success());
    (String::from_utf8(text.stdout).unwrap(), String::from_utf8(fonts.stdout).unwrap())
}

fn facts<'a>(
    c: &'a Case,
    template: &'a Template,
    certs: &'a BTreeMap<String, String>,
    blobs: &'a dyn Fn(&str) -> Option<Vec<u8>>,
) -> Facts<'a> {
    Facts { inspection: &c.inspection, template: Some(template), site: Some(&c.site), hazards: &c.hazards, certificates: certs, blobs }
}

/// pdftotext lays CJK text out with spaces between runs; compare without.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn the_record_has_the_site_every_section_the_findings_and_an_embedded_subset() {
    let Some(font) = tools() else { return };
    let t = builtin_template("hazardous_chemicals").unwrap();
    let c = case(t, 2);
    let certs = BTreeMap::from([("inspector-zhang".to_string(), "浙JX33010023".to_string())]);
    let lookup = |h: &str| c.blobs.get(h).cloned();
    let pdf = render(DocumentKind::InspectionRecord, &facts(&c, t, &certs, &lookup), &issuer(), Lang::Zh, &font).unwrap();
    let (text, fonts) = read_back("record", &pdf);
    let text = squeeze(&text);
    for want in [
        "现场检查记录",
        "湘家荡精细化工仓储",
        "湘家荡区域亚太路18号",
        "张检查员（浙JX33010023）",
        "执法检查",
        "危化品仓库地面有泄漏痕迹",
        "李经理",
    ] {
        assert!(text.contains(want), "{want} missing from the record");
    }
    let item = squeeze(&t.item("H01").unwrap().text.zh);
    assert!(text.contains(&item[..item.len().min(30)]), "the checklist item's words are in the record");
    let deadline = Date::in_china(T0).add_days(15).ymd();
    assert!(text.contains(&format!("{}年{}月{}日", deadline.0, deadline.1, deadline.2)), "the deadline");
    assert!(text.contains("第1页共"), "page numbers");
    let embedded = fonts.lines().find(|l| l.contains("WenQuanYi")).unwrap_or_else(|| panic!("no CJK font:\n{fonts}"));
    let name = embedded.split_whitespace().next().unwrap();
    assert!(name.len() > 7 && name.as_bytes()[6] == b'+', "a subset's name has a tag: {embedded}");
    assert!(embedded.contains(" yes yes "), "embedded and a subset: {embedded}");
    assert!(pdf.len() < 1_500_000, "{} bytes", pdf.len());
}

#[test]
fn the_order_lists_each_hazard_with_its_basis_and_deadline_and_the_recheck_follows() {
    let Some(font) = tools() else { return };
    let t = builtin_template("hazardous_chemicals").unwrap();
    let c = case(t, 1);
    let certs = BTreeMap::new();
    let lookup = |h: &str| c.blobs.get(h).cloned();
    let f = facts(&c, t, &certs, &lookup);
    let order = render(DocumentKind::RectificationOrder, &f, &issuer(), Lang::Zh, &font).unwrap();
    let (text, _) = read_back("order", &order);
    let text = squeeze(&text);
    for want in ["责令限期整改指令书", "南湖应急责改〔2026〕12号", "湘家荡精细化工仓储：", "安全出口堵塞", "南湖区应急管理局", "书面报告"]
    {
        assert!(text.contains(want), "{want} missing from the order");
    }
    let basis = squeeze(&t.item("H01").unwrap().basis.zh);
    assert!(text.contains(&basis.chars().take(8).collect::<String>()), "the legal basis of the failed item");
    let recheck = render(DocumentKind::RecheckOpinion, &f, &issuer(), Lang::Zh, &font).unwrap();
    let (text, _) = read_back("recheck", &recheck);
    let text = squeeze(&text);
    for want in
        ["整改复查意见书", "南湖应急复查〔2026〕5号", "南湖应急责改〔2026〕12号", "已整改", "未整改", "复查合格，同意销号", "整改后照片"]
    {
        assert!(text.contains(want), "{want} missing from the re-check");
    }
}

#[test]
fn the_same_data_renders_in_english() {
    let Some(font) = tools() else { return };
    let t = builtin_template("hazardous_chemicals").unwrap();
    let c = case(t, 0);
    let certs = BTreeMap::new();
    let lookup = |h: &str| c.blobs.get(h).cloned();
    let pdf = render(DocumentKind::RectificationOrder, &facts(&c, t, &certs, &lookup), &issuer(), Lang::En, &font).unwrap();
    let (text, _) = read_back("order-en", &pdf);
    assert!(text.contains("Order to Rectify Within a Time Limit") && text.contains("Legal basis"), "{text}");
    assert!(squeeze(&text).contains("湘家荡精细化工仓储"), "the data stays as recorded");
}

#[test]
fn the_period_summary_prints_figures_charts_and_the_overdue_list() {
    let Some(font) = tools() else { return };
    let s = PeriodSummary {
        area: "南湖区 zj/jx/nh".into(),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        figures: vec![("检查次数".into(), 11), ("逾期未整改".into(), 2)],
        charts: vec![("按检查类型".into(), vec![("日常巡查".into(), 6), ("企业自查".into(), 5)])],
        overdue: vec![SummaryRow {
            site: "七星烟花爆竹零售点".into(),
            description: "超量存放".into(),
            grade: "一般".into(),
            deadline: "2026-11-20".into(),
        }],
        look_back: vec![("已整改".into(), 1), ("反弹".into(), 0)],
    };
    let pdf = render_summary(&s, Lang::Zh, &font).unwrap();
    let (text, _) = read_back("summary", &pdf);
    let text = squeeze(&text);
    for want in ["安全生产检查工作汇总", "检查次数", "按检查类型", "七星烟花爆竹零售点", "回头看结果"] {
        assert!(text.contains(want), "{want} missing from the summary");
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(ReportFont::from_bytes(vec![]), Err(ReportError::BadFont(_))));
    let Some(font) = tools() else { return };
    let t = builtin_template("hazardous_chemicals").unwrap();
    let mut c = case(t, 0);
    c.hazards.clear();
    let certs = BTreeMap::new();
    let lookup = |h: &str| c.blobs.get(h).cloned();
    let f = facts(&c, t, &certs, &lookup);
    assert!(matches!(render(DocumentKind::RectificationOrder, &f, &issuer(), Lang::Zh, &font), Err(ReportError::NotApplicable(_))));
    assert!(matches!(render(DocumentKind::RecheckOpinion, &f, &issuer(), Lang::Zh, &font), Err(ReportError::NotApplicable(_))));
    // A font without Chinese glyphs cannot set these documents.
    if let Ok(latin) = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") {
        assert!(matches!(ReportFont::from_bytes(latin), Err(ReportError::BadFont(m)) if m.contains("Chinese")));
    }
}
