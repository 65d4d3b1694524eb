//! The dashboard's print buttons on both backends: an inspection a phone
//! submitted prints as its record, order and (once re-checked) re-check,
//! from the same renderer the phones use; the order keeps the number it
//! was given; the period summary prints; out of scope reads as missing.
//! PDFs are read back with poppler-utils' pdftotext.

use redline_device::doc::NewFinding;
use redline_device::hazard::{Action, TreatmentPlan};
use redline_device::inspection::{AnswerValue, Grade, InspectionKind, PhotoOwner};
use redline_device::store::PhotoMeta;
use redline_device::time::Date;
use redline_tests::web::{Browser, with_password};
use redline_tests::{TestServer, far_supervisor, on_both_backends, pass_all};
use std::process::Command;

on_both_backends!(a_supervisor_prints_the_documents_of_an_inspection);

/// The PDF's text (spaces dropped: pdftotext spaces CJK runs apart).
fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils) is installed");
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect()
}

async fn get_pdf(b: &Browser, path: &str) -> (u16, Vec<u8>) {
    let r = b.http.get(format!("{}{path}", b.url)).header("cookie", b.cookies()).send().await.unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        assert_eq!(r.headers()["content-type"], "application/pdf");
    }
    (status, r.bytes().await.unwrap().to_vec())
}

async fn a_supervisor_prints_the_documents_of_an_inspection(server: TestServer) {
    if std::env::var_os("CI").is_none() && !std::path::Path::new(redline_web::DEFAULT_REPORT_FONT).exists() {
        eprintln!("skipping: no CJK font for printing");
        return;
    }
    let phone = server.device("insp-1").await;
    phone.sync().await;
    let i = phone.store.start_inspection("site-a1", InspectionKind::Enforcement, "hazardous_chemicals").unwrap();
    pass_all(&phone.store, &i.id, &["H02"]);
    phone.store.answer(&i.id, "H02", AnswerValue::Fail, Some("电工证过期".into())).unwrap();
    let deadline = Date::today().add_days(10);
    let finding = NewFinding {
        item_id: Some("H02".into()),
        description: "特种作业人员证书过期".into(),
        grade: Grade::General,
        location: None,
        deadline: Some(deadline),
        responsible: Some("王店长".into()),
    };
    let hazard = phone.store.add_finding(&i.id, finding).unwrap();
    phone.store.attach_photo(&i.id, PhotoOwner::Finding(hazard.clone()), b"not a jpeg", PhotoMeta::default()).unwrap();
    phone.store.submit(&i.id).unwrap();
    phone.sync().await;

    with_password(&server, "sup-1").await;
    let b = Browser::signed_in(&server, "sup-1").await;
    assert!(b.get(&format!("/inspections/{}", i.id)).await.1.contains(&format!("/inspections/{}/order.pdf", i.id)), "the buttons");
    let (status, record) = get_pdf(&b, &format!("/inspections/{}/record.pdf", i.id)).await;
    assert_eq!(status, 200);
    let text = text_of(&record);
    let (y, m, d) = deadline.ymd();
    for want in ["现场检查记录", "转塘化工仓库", "特种作业人员证书过期", "电工证过期", &format!("{y}年{m}月{d}日")]
    {
        assert!(text.contains(want), "{want} missing from the record");
    }
    let (status, order) = get_pdf(&b, &format!("/inspections/{}/order.pdf", i.id)).await;
    assert_eq!(status, 200);
    let number = format!("应急管理局责改〔{y}〕1号");
    assert!(text_of(&order).contains(&number), "the order's number");
    let (_, again) = get_pdf(&b, &format!("/inspections/{}/order.pdf", i.id)).await;
    assert!(text_of(&again).contains(&number), "a reprint keeps the number");
    assert!(text_of(&get_pdf(&b, &format!("/inspections/{}/order.pdf?lang=en", i.id)).await.1).contains("OrdertoRectify"));

    // Nothing re-checked yet: the re-check opinion does not apply.
    assert_eq!(get_pdf(&b, &format!("/inspections/{}/recheck.pdf", i.id)).await.0, 400);
    // The site fixes it and the inspector accepts it on re-check.
    let plan = TreatmentPlan {
        responsibility: "王店长".into(),
        measures: "持证人员上岗，证书复审".into(),
        deadline,
        funds: "2000 元".into(),
        contingency: "无证人员停止作业".into(),
    };
    phone.store.transition(&hazard, Action::StartFix { plan: Some(plan) }, "", &[]).unwrap();
    phone.store.transition(&hazard, Action::ReportFix, "已更换证书", &[(b"after".to_vec(), PhotoMeta::default())]).unwrap();
    phone
        .store
        .transition(&hazard, Action::Recheck { accepted: true }, "复查合格", &[(b"recheck".to_vec(), PhotoMeta::default())])
        .unwrap();
    phone.sync().await;
    let (status, recheck) = get_pdf(&b, &format!("/inspections/{}/recheck.pdf", i.id)).await;
    assert_eq!(status, 200);
    let text = text_of(&recheck);
    assert!(text.contains("整改复查意见书") && text.contains("复查合格") && text.contains(&number) && text.contains("已整改"), "{text}");

    let (status, summary) = get_pdf(&b, "/reports/summary.pdf").await;
    assert_eq!(status, 200);
    let text = text_of(&summary);
    assert!(text.contains("安全生产检查工作汇总") && text.contains("未销号隐患（按行业类别）"), "{text}");

    // Another district's supervisor: the same "not found" as no inspection.
    let far = far_supervisor(server.state.storage.as_ref()).await;
    with_password(&server, far).await;
    let far = Browser::signed_in(&server, far).await;
    let hidden = get_pdf(&far, &format!("/inspections/{}/record.pdf", i.id)).await;
    let missing = get_pdf(&far, "/inspections/00000000-0000-4000-8000-000000000000/record.pdf").await;
    assert_eq!((hidden.0, &hidden.1), (404, &missing.1));
}
