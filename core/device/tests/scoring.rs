//! How answers become a summary and an outcome (`Inspection::summary`).
//!
//! The outcome is what an inspector writes on the site's notice and what
//! decides whether a hazard is registered as major, and the summary's lists
//! (unanswered, missing photos, failures without a finding) are what block
//! submit. So every rule is pinned here at its boundaries: the food licensing
//! thresholds, a major-hazard item overriding everything, number bounds,
//! expiry on the China-time inspection day, failing choice options,
//! not-applicable answers, and items hidden by `show_if`, whose stale answers
//! must count for nothing.
//!
//! Inspections are built directly as values against small templates written
//! here, so each rule is exercised in isolation; one test goes through a
//! store to check that the list row shows the same outcome.

mod common;

use redline_device::doc::NewFinding;
use redline_device::inspection::*;
use redline_device::people::{Person, Role};
use redline_device::store::{InspectionQuery, PhotoMeta};
use redline_device::template::{Template, builtin_template};
use redline_device::time::{Date, Millis};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn person() -> Person {
    Person { user_id: "insp-1".into(), name: "张检查员".into() }
}

/// 2026-03-10 00:30 in China (2026-03-09 16:30 UTC): the inspection day is
/// the 10th only if the day is taken in China time.
const STARTED_AT: Millis = 1_773_073_800_000;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn item(id: &str, importance: &str, major: &str, answer: Value) -> Value {
    json!({
        "id": id,
        "text": {"zh": format!("检查项 {id}"), "en": format!("Check {id}")},
        "basis": {"zh": "依据", "en": "Basis"},
        "importance": importance,
        "major_hazard": major,
        "answer": answer,
    })
}

fn pass_fail() -> Value {
    json!({"type": "pass_fail"})
}

/// A work-safety checklist with one item of every kind, a conditional
/// section and a chain of conditions through it.
fn work_safety() -> Template {
    let mut photo_item = item("M01", "critical", "yes", pass_fail());
    photo_item["photo_on_fail"] = json!(true);
    let mut g01 = item("G01", "general", "no", pass_fail());
    g01["photo_on_fail"] = json!(true);
    let mut k02 = item("K02", "key", "no", pass_fail());
    k02["show_if"] = json!({"item": "K01", "any_of": ["fail"]});
    let t = json!({
        "id": "ws", "version": 1, "title": {"zh": "测", "en": "T"},
        "category": "hazardous_chemicals", "scoring": "work_safety",
        "sections": [
            {"id": "main", "title": {"zh": "主", "en": "Main"}, "items": [
                photo_item,
                item("M02", "critical", "probable", pass_fail()),
                g01,
                item("N01", "key", "no", json!({"type": "number", "unit": "°C", "min": 0, "max": 8})),
                item("N02", "general", "no", json!({"type": "number", "unit": "m", "min": 10})),
                item("N03", "general", "no", json!({"type": "number", "unit": "°C", "max": -12})),
                item("E01", "critical", "no", json!({"type": "date", "expiry": true})),
                item("E02", "general", "no", json!({"type": "date"})),
                item("C01", "key", "no", json!({"type": "choice", "options": [
                    {"id": "intact", "zh": "完好", "en": "Intact"},
                    {"id": "missing", "zh": "缺失", "en": "Missing", "fails": true}
                ]})),
                item("C02", "general", "no", json!({"type": "choice", "multiple": true, "options": [
                    {"id": "a", "zh": "甲", "en": "A"},
                    {"id": "b", "zh": "乙", "en": "B"},
                    {"id": "c", "zh": "丙", "en": "C", "fails": true}
                ]})),
                item("T01", "general", "no", json!({"type": "text"})),
                item("K00", "general", "no", json!({"type": "choice", "options": [
                    {"id": "yes", "zh": "有", "en": "Yes"},
                    {"id": "no", "zh": "无", "en": "No"}
                ]}))
            ]},
            {"id": "tanks", "title": {"zh": "储罐", "en": "Tanks"},
             "show_if": {"item": "K00", "any_of": ["yes"]},
             "items": [item("K01", "critical", "yes", pass_fail())]},
            {"id": "tank_repair", "title": {"zh": "储罐整改", "en": "Tank repair"},
             "show_if": {"item": "K01", "any_of": ["fail"]},
             "items": [item("K03", "key", "no", pass_fail()), k02]}
        ]
    });
    Template::from_json(&t.to_string()).unwrap()
}

/// A food-licensing checklist: 2 critical, 3 key and 5 general items.
fn food() -> Template {
    let mut items = vec![];
    for i in 1..=2 {
        items.push(item(&format!("C{i}"), "critical", "no", pass_fail()));
    }
    for i in 1..=3 {
        items.push(item(&format!("K{i}"), "key", "no", pass_fail()));
    }
    for i in 1..=5 {
        items.push(item(&format!("G{i}"), "general", "no", pass_fail()));
    }
    let t = json!({
        "id": "food", "version": 1, "title": {"zh": "食", "en": "F"},
        "category": "food", "scoring": "food_licensing",
        "sections": [{"id": "all", "title": {"zh": "全", "en": "All"}, "items": items}]
    });
    Template::from_json(&t.to_string()).unwrap()
}

fn inspection(t: &Template) -> Inspection {
    Inspection {
        id: "i-1".into(),
        header: InspectionHeader {
            task_id: None,
            site_id: "site-1".into(),
            site_name: "西湖化工仓库".into(),
            kind: InspectionKind::RoutinePatrol,
            template_id: t.id.clone(),
            template_version: t.version,
            created_by: person(),
            started_at: STARTED_AT,
        },
        inspectors: vec![person()],
        location: None,
        finished_at: None,
        status: InspectionStatus::Draft,
        submitted_by: None,
        answers: BTreeMap::new(),
        findings: BTreeMap::new(),
        signatures: BTreeMap::new(),
        photos: BTreeMap::new(),
        amendments: vec![],
        conflicts: vec![],
    }
}

fn set(i: &mut Inspection, item_id: &str, value: AnswerValue) {
    i.answers.insert(item_id.into(), Answer { value, note: None, by: person(), at: STARTED_AT });
}

fn finding(i: &mut Inspection, id: &str, item_id: Option<&str>, grade: Grade) {
    i.findings.insert(
        id.into(),
        Finding {
            id: id.into(),
            item_id: item_id.map(String::from),
            description: "问题".into(),
            grade,
            location: None,
            deadline: None,
            responsible: None,
            by: person(),
            at: STARTED_AT,
        },
    );
}

fn photo(i: &mut Inspection, hash: &str, owner: PhotoOwner) {
    i.photos.insert(
        hash.into(),
        PhotoRef {
            hash: hash.into(),
            thumb_hash: None,
            owner,
            size: 10,
            width: 0,
            height: 0,
            taken_at: STARTED_AT,
            location: None,
            by: person(),
        },
    );
}

/// Every visible item of the work-safety checklist answered so it passes,
/// with no tanks.
fn all_passing(t: &Template) -> Inspection {
    let mut i = inspection(t);
    for id in ["M01", "M02", "G01"] {
        set(&mut i, id, AnswerValue::Pass);
    }
    set(&mut i, "N01", AnswerValue::Number(4.0));
    set(&mut i, "N02", AnswerValue::Number(12.0));
    set(&mut i, "N03", AnswerValue::Number(-18.0));
    set(&mut i, "E01", AnswerValue::Date(day("2027-01-01")));
    set(&mut i, "E02", AnswerValue::Date(day("2020-01-01")));
    set(&mut i, "C01", AnswerValue::Choice(vec!["intact".into()]));
    set(&mut i, "C02", AnswerValue::Choice(vec!["a".into(), "b".into()]));
    set(&mut i, "T01", AnswerValue::Text("仓库整洁".into()));
    set(&mut i, "K00", AnswerValue::Choice(vec!["no".into()]));
    i
}

fn failed_items(i: &Inspection, t: &Template) -> (u32, Outcome) {
    let s = i.summary(t);
    (s.failed, s.outcome)
}

// ---- outcomes ------------------------------------------------------------

#[test]
fn food_licensing_pass_basically_pass_and_fail_at_the_thresholds() {
    let t = food();
    // (critical, key, general) failures -> outcome.
    let cases = [
        ((0, 0, 0), Outcome::Pass),
        ((0, 1, 0), Outcome::BasicallyPass),
        ((0, 0, 1), Outcome::BasicallyPass),
        ((0, 2, 4), Outcome::BasicallyPass),
        ((0, 3, 0), Outcome::Fail),
        ((0, 0, 5), Outcome::Fail),
        ((0, 3, 5), Outcome::Fail),
        ((1, 0, 0), Outcome::Fail),
        ((2, 0, 0), Outcome::Fail),
        ((1, 2, 4), Outcome::Fail),
    ];
    for ((c, k, g), expected) in cases {
        let mut i = inspection(&t);
        for (prefix, total, failing) in [("C", 2, c), ("K", 3, k), ("G", 5, g)] {
            for n in 1..=total {
                let v = if n <= failing { AnswerValue::Fail } else { AnswerValue::Pass };
                set(&mut i, &format!("{prefix}{n}"), v);
            }
        }
        let s = i.summary(&t);
        assert_eq!((s.failed_by_importance.critical, s.failed_by_importance.key, s.failed_by_importance.general), (c, k, g));
        assert_eq!(s.outcome, expected, "critical {c}, key {k}, general {g}");
        assert!(s.unanswered.is_empty());
    }
}

#[test]
fn builtin_food_checklist_follows_the_licensing_rule() {
    let t = builtin_template("food_safety").unwrap();
    let base = || {
        let mut i = inspection(t);
        for (_, it) in t.items() {
            let v = match &it.answer {
                redline_device::template::AnswerType::Number { min, max, .. } => AnswerValue::Number(min.or(*max).unwrap_or(0.0)),
                _ => AnswerValue::Pass,
            };
            set(&mut i, &it.id, v);
        }
        i
    };
    let i = base();
    let s = i.summary(t);
    assert!(s.unanswered.is_empty(), "{:?}", s.unanswered);
    assert_eq!(s.outcome, Outcome::Pass);

    // One critical failure (no valid licence) fails the site.
    let mut i = base();
    set(&mut i, "D01", AnswerValue::Fail);
    assert_eq!(failed_items(&i, t), (1, Outcome::Fail));

    // A cold store at 9 °C is a key failure; with one more key and four
    // general ones the site still basically passes.
    let mut i = base();
    set(&mut i, "D08", AnswerValue::Number(9.0));
    set(&mut i, "D03", AnswerValue::Fail);
    for id in ["D07", "D20", "D21"] {
        set(&mut i, id, AnswerValue::Fail);
    }
    let s = i.summary(t);
    assert_eq!((s.failed_by_importance.key, s.failed_by_importance.general), (2, 3));
    assert_eq!(s.outcome, Outcome::BasicallyPass);
    // A third key failure tips it over.
    set(&mut i, "D04", AnswerValue::Fail);
    assert_eq!(i.summary(t).outcome, Outcome::Fail);
}

#[test]
fn work_safety_pass_and_hazards_found() {
    let t = work_safety();
    let i = all_passing(&t);
    let s = i.summary(&t);
    assert_eq!(s.outcome, Outcome::Pass);
    assert_eq!(s.failed, 0);
    assert!(s.unanswered.is_empty(), "{:?}", s.unanswered);

    let mut i = all_passing(&t);
    set(&mut i, "G01", AnswerValue::Fail);
    assert_eq!(failed_items(&i, &t), (1, Outcome::HazardsFound));
    // "Probable" items suggest the major grade but do not decide it.
    let mut i = all_passing(&t);
    set(&mut i, "M02", AnswerValue::Fail);
    let s = i.summary(&t);
    assert_eq!(s.outcome, Outcome::HazardsFound);
    assert!(s.major_hazard_items.is_empty());
}

#[test]
fn a_failed_major_hazard_item_is_a_major_hazard_whatever_else() {
    let t = work_safety();
    // Alone, everything else passing.
    let mut i = all_passing(&t);
    set(&mut i, "M01", AnswerValue::Fail);
    let s = i.summary(&t);
    assert_eq!(s.outcome, Outcome::MajorHazard);
    assert_eq!(s.major_hazard_items, vec!["M01".to_string()]);
    assert_eq!(s.score_percent, 100.0 * 9.0 / 10.0);

    // With other failures, and with a finding recorded as general.
    let mut i = all_passing(&t);
    set(&mut i, "M01", AnswerValue::Fail);
    set(&mut i, "G01", AnswerValue::Fail);
    set(&mut i, "N01", AnswerValue::Number(30.0));
    finding(&mut i, "f1", Some("M01"), Grade::General);
    assert_eq!(i.summary(&t).outcome, Outcome::MajorHazard);

    // With the rest unanswered.
    let mut i = inspection(&t);
    set(&mut i, "M01", AnswerValue::Fail);
    let s = i.summary(&t);
    assert_eq!(s.outcome, Outcome::MajorHazard);
    assert!(!s.unanswered.is_empty());

    // Inside a conditional section once it is shown.
    let mut i = all_passing(&t);
    set(&mut i, "K00", AnswerValue::Choice(vec!["yes".into()]));
    set(&mut i, "K01", AnswerValue::Fail);
    let s = i.summary(&t);
    assert_eq!(s.major_hazard_items, vec!["K01".to_string()]);
    assert_eq!(s.outcome, Outcome::MajorHazard);

    // A finding graded major makes it major even when no item failed.
    let mut i = all_passing(&t);
    finding(&mut i, "f2", None, Grade::Major);
    let s = i.summary(&t);
    assert_eq!(s.major_findings, 1);
    assert_eq!(s.outcome, Outcome::MajorHazard);
}

// ---- item rules ----------------------------------------------------------

#[test]
fn numbers_outside_either_bound_fail_and_the_bounds_themselves_pass() {
    let t = work_safety();
    let cases: &[(&str, f64, bool)] = &[
        ("N01", -0.1, false),
        ("N01", 0.0, true),
        ("N01", 4.0, true),
        ("N01", 8.0, true),
        ("N01", 8.01, false),
        ("N01", -300.0, false),
        // min only
        ("N02", 9.99, false),
        ("N02", 10.0, true),
        ("N02", 1e9, true),
        // max only
        ("N03", -11.9, false),
        ("N03", -12.0, true),
        ("N03", -40.0, true),
    ];
    for &(id, value, passes) in cases {
        let mut i = all_passing(&t);
        set(&mut i, id, AnswerValue::Number(value));
        let s = i.summary(&t);
        assert_eq!(s.failed == 0, passes, "{id} = {value}");
        assert_eq!(s.outcome == Outcome::Pass, passes, "{id} = {value}");
        if !passes {
            assert_eq!(s.failed_without_finding, vec![id.to_string()]);
        }
    }
}

#[test]
fn an_expiry_date_before_the_inspection_day_fails() {
    let t = work_safety();
    let mut i = all_passing(&t);
    // Started 00:30 on the 10th in China, which is still the 9th in UTC.
    assert_eq!(i.day(), day("2026-03-10"));
    for (date, passes) in [("2026-03-09", false), ("2025-12-31", false), ("2026-03-10", true), ("2026-03-11", true)] {
        set(&mut i, "E01", AnswerValue::Date(day(date)));
        let s = i.summary(&t);
        assert_eq!(s.failed == 0, passes, "certificate valid until {date}");
    }
    // A date without `expiry` is recorded, never judged.
    let mut i = all_passing(&t);
    set(&mut i, "E02", AnswerValue::Date(day("1999-01-01")));
    let s = i.summary(&t);
    assert_eq!((s.failed, s.passed), (0, 10));
}

#[test]
fn choice_options_marked_fails_fail_the_item() {
    let t = work_safety();
    let cases: &[(&str, &[&str], bool)] = &[
        ("C01", &["intact"], true),
        ("C01", &["missing"], false),
        ("C02", &["a"], true),
        ("C02", &["a", "b"], true),
        ("C02", &["c"], false),
        ("C02", &["a", "c"], false),
    ];
    for &(id, chosen, passes) in cases {
        let mut i = all_passing(&t);
        set(&mut i, id, AnswerValue::Choice(chosen.iter().map(|s| s.to_string()).collect()));
        let s = i.summary(&t);
        assert_eq!(s.failed == 0, passes, "{id} = {chosen:?}");
        assert_eq!(s.answered, i.answers.len() as u32);
    }
}

#[test]
fn not_applicable_and_text_count_as_answered_but_not_judged() {
    let t = work_safety();
    let mut i = all_passing(&t);
    set(&mut i, "G01", AnswerValue::NotApplicable);
    set(&mut i, "N01", AnswerValue::NotApplicable);
    set(&mut i, "M02", AnswerValue::Fail);
    let s = i.summary(&t);
    // 12 visible (the main section; no tanks): all answered.
    assert_eq!((s.visible, s.answered), (12, 12));
    assert_eq!(s.not_applicable, 2);
    assert_eq!(s.failed, 1);
    // M01, N02, N03, E01, C01, C02, K00 pass; T01 and E02 are only recorded.
    assert_eq!(s.passed, 7);
    assert_eq!(s.score_percent, 100.0 * 7.0 / 8.0);
    assert!(s.unanswered.is_empty());

    // Everything not applicable: nothing judged, a full score and a pass.
    let mut i = inspection(&t);
    for (_, it) in t.items() {
        set(&mut i, &it.id, AnswerValue::NotApplicable);
    }
    let s = i.summary(&t);
    assert_eq!(s.not_applicable, s.visible);
    assert_eq!((s.passed, s.failed, s.score_percent, s.outcome), (0, 0, 100.0, Outcome::Pass));
}

#[test]
fn unanswered_lists_visible_items_in_checklist_order() {
    let t = work_safety();
    let mut i = inspection(&t);
    let s = i.summary(&t);
    // K00 unanswered: the tank sections are hidden.
    let main: Vec<String> = ["M01", "M02", "G01", "N01", "N02", "N03", "E01", "E02", "C01", "C02", "T01", "K00"].map(String::from).to_vec();
    assert_eq!(s.unanswered, main);
    assert_eq!((s.visible, s.answered), (12, 0));
    assert_eq!(s.outcome, Outcome::Pass, "nothing failed yet");

    set(&mut i, "N03", AnswerValue::Number(-20.0));
    set(&mut i, "K00", AnswerValue::Choice(vec!["yes".into()]));
    let s = i.summary(&t);
    let mut expected = main.clone();
    expected.retain(|x| x != "N03" && x != "K00");
    expected.push("K01".into());
    assert_eq!(s.unanswered, expected);
    assert_eq!((s.visible, s.answered), (13, 2));
}

// ---- hidden items ----------------------------------------------------------

#[test]
fn answers_on_hidden_items_count_for_nothing() {
    let t = work_safety();
    // The inspector first said there are tanks, failed K01 and the repair
    // items, then corrected K00: none of those answers may count any more.
    let mut i = all_passing(&t);
    set(&mut i, "K00", AnswerValue::Choice(vec!["yes".into()]));
    set(&mut i, "K01", AnswerValue::Fail);
    set(&mut i, "K03", AnswerValue::Fail);
    let shown = i.summary(&t);
    assert_eq!(shown.failed, 2);
    assert_eq!(shown.unanswered, vec!["K02".to_string()], "K02 shows once K01 fails");
    assert_eq!(shown.outcome, Outcome::MajorHazard);

    set(&mut i, "K00", AnswerValue::Choice(vec!["no".into()]));
    let s = i.summary(&t);
    assert_eq!(s.visible, 12, "tanks and tank repair are both hidden");
    assert_eq!(s.answered, 12);
    assert_eq!(s.failed, 0, "stale failures on hidden items are not counted");
    assert!(s.major_hazard_items.is_empty());
    assert!(s.unanswered.is_empty(), "hidden items never block submit: {:?}", s.unanswered);
    assert!(s.failed_without_finding.is_empty() && s.missing_photos.is_empty());
    assert_eq!(s.outcome, Outcome::Pass);

    let values: BTreeMap<&str, &AnswerValue> = i.answers.iter().map(|(k, a)| (k.as_str(), &a.value)).collect();
    let visible: Vec<&str> = t.visible_items(&values).iter().map(|it| it.id.as_str()).collect();
    assert!(!visible.iter().any(|v| v.starts_with('K') && *v != "K00"), "{visible:?}");
}

#[test]
fn an_item_condition_is_evaluated_on_the_answer_it_names() {
    let t = work_safety();
    let mut i = all_passing(&t);
    set(&mut i, "K00", AnswerValue::Choice(vec!["yes".into()]));
    set(&mut i, "K01", AnswerValue::Pass);
    set(&mut i, "K02", AnswerValue::Fail); // left over from before K01 was re-checked
    let s = i.summary(&t);
    assert_eq!(s.visible, 13);
    assert_eq!(s.failed, 0, "K02 and its section are hidden while K01 passes");
    assert_eq!(s.outcome, Outcome::Pass);
}

// ---- what blocks submit ------------------------------------------------------

#[test]
fn failed_items_need_a_finding_and_the_photos_the_template_asks_for() {
    let t = work_safety();
    let mut i = all_passing(&t);
    set(&mut i, "M01", AnswerValue::Fail); // photo_on_fail
    set(&mut i, "G01", AnswerValue::Fail); // photo_on_fail
    set(&mut i, "M02", AnswerValue::Fail); // no photo needed
    let s = i.summary(&t);
    assert_eq!(s.failed_without_finding, ["M01", "M02", "G01"].iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(s.missing_photos, vec!["M01".to_string(), "G01".to_string()]);

    // A finding on M01 with a photo on the finding covers both lists for M01.
    finding(&mut i, "f-m01", Some("M01"), Grade::Major);
    photo(&mut i, "h1", PhotoOwner::Finding("f-m01".into()));
    // A photo on G01's answer covers its photo, not its finding.
    photo(&mut i, "h2", PhotoOwner::Answer("G01".into()));
    // A finding on M02 without an item photo: M02 asks for none.
    finding(&mut i, "f-m02", Some("M02"), Grade::General);
    let s = i.summary(&t);
    assert_eq!(s.failed_without_finding, vec!["G01".to_string()]);
    assert!(s.missing_photos.is_empty(), "{:?}", s.missing_photos);

    // A photo on some other item's finding or answer does not count.
    let mut i = all_passing(&t);
    set(&mut i, "G01", AnswerValue::Fail);
    finding(&mut i, "f-g01", Some("G01"), Grade::General);
    finding(&mut i, "f-other", None, Grade::General);
    photo(&mut i, "h3", PhotoOwner::Finding("f-other".into()));
    photo(&mut i, "h4", PhotoOwner::Answer("M01".into()));
    let s = i.summary(&t);
    assert!(s.failed_without_finding.is_empty());
    assert_eq!(s.missing_photos, vec!["G01".to_string()]);
    // Passed items never need either.
    set(&mut i, "G01", AnswerValue::Pass);
    let s = i.summary(&t);
    assert!(s.missing_photos.is_empty() && s.failed_without_finding.is_empty());
}

// ---- through a store -------------------------------------------------------

#[test]
fn the_list_row_shows_the_summary_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(dir.path(), "phone.db", common::identity("insp-1", Role::Inspector));
    let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "food_safety").unwrap();
    store.answer(&i.id, "D01", AnswerValue::Pass, None).unwrap();
    store.answer(&i.id, "D08", AnswerValue::Number(12.5), Some("冷藏柜温度过高".into())).unwrap();
    let f = store
        .add_finding(
            &i.id,
            NewFinding {
                item_id: Some("D08".into()),
                description: "冷藏柜温度 12.5°C".into(),
                grade: Grade::General,
                location: None,
                deadline: None,
                responsible: None,
            },
        )
        .unwrap();
    let s = store.summary(&i.id).unwrap();
    assert_eq!(s.failed_by_importance.key, 1);
    assert_eq!(s.outcome, Outcome::BasicallyPass);
    assert_eq!(s.missing_photos, vec!["D08".to_string()]);
    store.attach_photo(&i.id, PhotoOwner::Finding(f), &common::photo("fridge"), PhotoMeta::default()).unwrap();
    assert!(store.summary(&i.id).unwrap().missing_photos.is_empty());

    let rows = store.inspections(&InspectionQuery::default()).unwrap();
    assert_eq!(rows.len(), 1);
    let s = store.summary(&i.id).unwrap();
    assert_eq!((rows[0].answered, rows[0].visible, rows[0].failed), (s.answered, s.visible, s.failed));
    assert_eq!(rows[0].outcome, Some(Outcome::BasicallyPass));
}
