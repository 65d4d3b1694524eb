//! The checklists a phone inspects with on its first day, and the refusal of
//! malformed ones.
//!
//! Built-in templates are compiled in (`builtin_templates()` panics on a bad
//! one), so these tests are what stops a broken checklist from shipping: every
//! file loads, carries the items the determination standards name (the
//! hazardous-chemicals and fireworks major-hazard items, the equipment
//! sections gated on S00, ...), and every item has both languages and its
//! legal basis. A region's own template arrives as data, so the validator must
//! refuse a malformed one with the item and the field at fault instead of
//! letting it misbehave in the field.

mod common;

use redline_device::ErrorKind;
use redline_device::inspection::AnswerValue;
use redline_device::people::Role;
use redline_device::template::{
    AnswerType, Importance, MajorHazard, ScoringRule, SiteCategory, Template, TemplateError, builtin_template, builtin_templates,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

const BUILTIN_IDS: &[&str] = &["hazardous_chemicals", "fireworks", "special_equipment", "food_safety", "three_places_three_enterprises"];

fn ids(prefix: &str, range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("{prefix}{n:02}")).collect()
}

/// Item ids visible under `answers`, in checklist order.
fn visible(t: &Template, answers: &[(&str, AnswerValue)]) -> Vec<String> {
    let values: BTreeMap<&str, &AnswerValue> = answers.iter().map(|(k, v)| (*k, v)).collect();
    t.visible_items(&values).iter().map(|i| i.id.clone()).collect()
}

// ---- built-in templates ------------------------------------------------

#[test]
fn every_builtin_template_loads_with_the_expected_ids() {
    let loaded: Vec<&str> = builtin_templates().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(loaded, BUILTIN_IDS);
    for id in BUILTIN_IDS {
        let t = builtin_template(id).unwrap_or_else(|| panic!("{id} is built in"));
        assert!(t.version >= 1, "{id}");
        assert!(!t.sources.is_empty(), "{id} names its sources");
        assert!(!t.title.zh.trim().is_empty() && !t.title.en.trim().is_empty(), "{id} title");
    }
    assert!(builtin_template("no_such_template").is_none());
}

#[test]
fn every_json_file_in_templates_dir_is_built_in_and_identical() {
    // A checklist added to core/domain/templates/ but not to the compiled-in list
    // would silently never reach a phone.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/templates");
    let mut seen = vec![];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let json = std::fs::read_to_string(&path).unwrap();
        let t = Template::from_json(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let built_in = builtin_template(&t.id).unwrap_or_else(|| panic!("{} is not compiled in", path.display()));
        assert_eq!(&t, built_in, "{}", path.display());
        assert_eq!(path.file_stem().unwrap().to_str().unwrap(), t.id, "file named after its template id");
        seen.push(t.id);
    }
    seen.sort();
    let mut expected: Vec<String> = BUILTIN_IDS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[test]
fn every_builtin_item_has_both_languages_and_a_basis() {
    for t in builtin_templates() {
        let mut item_ids = HashSet::new();
        for section in &t.sections {
            assert!(!section.title.zh.trim().is_empty() && !section.title.en.trim().is_empty(), "{}/{}", t.id, section.id);
            for item in &section.items {
                let at = format!("{}/{}", t.id, item.id);
                assert!(item_ids.insert(item.id.clone()), "{at}: duplicate id");
                assert!(!item.text.zh.trim().is_empty(), "{at}: zh text");
                assert!(!item.text.en.trim().is_empty(), "{at}: en text");
                assert!(!item.basis.zh.trim().is_empty(), "{at}: zh basis");
                assert!(!item.basis.en.trim().is_empty(), "{at}: en basis");
                if let Some(g) = &item.guidance {
                    assert!(!g.zh.trim().is_empty() && !g.en.trim().is_empty(), "{at}: guidance in both languages");
                }
                if let AnswerType::Choice { options, .. } = &item.answer {
                    for o in options {
                        assert!(!o.zh.trim().is_empty() && !o.en.trim().is_empty(), "{at}: option {}", o.id);
                    }
                }
            }
        }
    }
}

#[test]
fn hazardous_chemicals_names_the_twenty_major_hazard_items() {
    let t = builtin_template("hazardous_chemicals").unwrap();
    assert_eq!(t.category, SiteCategory::HazardousChemicals);
    assert_eq!(t.scoring, ScoringRule::WorkSafety);
    let major: Vec<String> = t.items().filter(|(_, i)| i.major_hazard == MajorHazard::Yes).map(|(_, i)| i.id.clone()).collect();
    assert_eq!(major, ids("H", 1..=20), "exactly H01-H20 are major hazards by standard");
    for id in ids("H", 1..=20) {
        let item = t.item(&id).unwrap();
        assert_eq!(item.answer, AnswerType::PassFail, "{id}");
        assert_eq!(item.importance, Importance::Critical, "{id}");
        assert!(item.show_if.is_none() && t.section_of(&id).unwrap().show_if.is_none(), "{id} is always asked");
    }
}

#[test]
fn fireworks_has_producer_items_and_retail_items_behind_the_scope_question() {
    let t = builtin_template("fireworks").unwrap();
    assert_eq!(t.scoring, ScoringRule::WorkSafety);
    for id in ids("F", 1..=20) {
        let item = t.item(&id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(item.major_hazard, MajorHazard::Yes, "{id}");
    }
    for id in ids("R", 1..=12) {
        assert!(t.item(&id).is_some(), "{id}");
    }
    let f_items = ids("F", 1..=20);
    let r_items = ids("R", 1..=12);
    let has_all = |v: &[String], want: &[String]| want.iter().all(|w| v.contains(w));
    let has_none = |v: &[String], want: &[String]| want.iter().all(|w| !v.contains(w));

    // Before the scope question is answered only the question shows.
    assert_eq!(visible(t, &[]), vec!["F00".to_string()]);
    let retail = visible(t, &[("F00", AnswerValue::Choice(vec!["retail".into()]))]);
    assert!(has_all(&retail, &r_items) && has_none(&retail, &f_items), "{retail:?}");
    for scope in ["producer", "wholesale"] {
        let v = visible(t, &[("F00", AnswerValue::Choice(vec![scope.into()]))]);
        assert!(has_all(&v, &f_items) && has_none(&v, &r_items), "{scope}: {v:?}");
    }
}

#[test]
fn special_equipment_sections_are_conditional_on_s00() {
    let t = builtin_template("special_equipment").unwrap();
    let s00 = t.item("S00").unwrap();
    let AnswerType::Choice { options, multiple } = &s00.answer else { panic!("S00 is a choice") };
    assert!(multiple, "a site may run several kinds of equipment");
    let kinds: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
    for kind in &kinds {
        let section = t.sections.iter().find(|s| s.id == *kind).unwrap_or_else(|| panic!("section {kind}"));
        let cond = section.show_if.as_ref().unwrap_or_else(|| panic!("section {kind} is conditional"));
        assert_eq!(cond.item, "S00");
        assert_eq!(cond.any_of, vec![kind.to_string()]);
    }
    // Every section is either unconditional (asked everywhere) or gated on S00.
    for s in &t.sections {
        if let Some(c) = &s.show_if {
            assert_eq!(c.item, "S00", "section {}", s.id);
        }
    }
    let chosen = visible(t, &[("S00", AnswerValue::Choice(vec!["boiler".into(), "crane".into()]))]);
    for (section, shown) in [("boiler", true), ("crane", true), ("elevator", false), ("forklift", false), ("general", true)] {
        let s = t.sections.iter().find(|s| s.id == section).unwrap();
        for item in &s.items {
            assert_eq!(chosen.contains(&item.id), shown, "{section}/{} with boiler+crane", item.id);
        }
    }
}

#[test]
fn food_safety_scores_as_food_licensing_without_major_hazards() {
    let t = builtin_template("food_safety").unwrap();
    assert_eq!(t.category, SiteCategory::Food);
    assert_eq!(t.scoring, ScoringRule::FoodLicensing);
    for (_, item) in t.items() {
        assert_eq!(item.major_hazard, MajorHazard::No, "{}: food items are graded by importance only", item.id);
    }
    for importance in [Importance::Critical, Importance::Key, Importance::General] {
        assert!(t.items().any(|(_, i)| i.importance == importance), "{importance:?} items present");
    }
}

#[test]
fn three_places_has_an_unconditional_fire_safety_section() {
    let t = builtin_template("three_places_three_enterprises").unwrap();
    assert_eq!(t.category, SiteCategory::ThreePlacesThreeEnterprises);
    let fire = t.sections.iter().find(|s| s.id == "fire_safety").expect("fire_safety section");
    assert!(fire.show_if.is_none(), "fire safety applies to every small place");
    assert!(!fire.items.is_empty());
    // With "none of the above" only the scope question and fire safety show.
    let v = visible(t, &[("T00", AnswerValue::Choice(vec!["none".into()]))]);
    let mut expected = vec!["T00".to_string()];
    expected.extend(fire.items.iter().map(|i| i.id.clone()));
    assert_eq!(v, expected);
}

// ---- malformed templates -----------------------------------------------

/// A small valid template; each test breaks one thing in it.
fn base() -> Value {
    let item = |id: &str, answer: Value| {
        json!({
            "id": id,
            "text": {"zh": format!("检查项 {id}"), "en": format!("Check {id}")},
            "basis": {"zh": "《安全生产法》第四十一条", "en": "Work Safety Law art. 41"},
            "importance": "key",
            "major_hazard": "no",
            "answer": answer
        })
    };
    json!({
        "id": "test_template",
        "version": 1,
        "title": {"zh": "测试", "en": "Test"},
        "category": "hazardous_chemicals",
        "scoring": "work_safety",
        "sections": [
            {
                "id": "s1",
                "title": {"zh": "一", "en": "One"},
                "items": [
                    item("A01", json!({"type": "pass_fail"})),
                    item("A02", json!({"type": "choice", "options": [
                        {"id": "yes", "zh": "是", "en": "Yes"},
                        {"id": "no", "zh": "否", "en": "No", "fails": true}
                    ]})),
                    item("A03", json!({"type": "number", "unit": "m", "min": 0, "max": 10}))
                ]
            },
            {
                "id": "s2",
                "title": {"zh": "二", "en": "Two"},
                "items": [
                    item("B01", json!({"type": "text"})),
                    item("B02", json!({"type": "date", "expiry": true}))
                ]
            }
        ]
    })
}

fn load(v: &Value) -> Result<Template, TemplateError> {
    Template::from_json(&v.to_string())
}

/// `v` must be refused naming `item` and `field`, in the error and its text.
fn refused(v: &Value, item: &str, field: &str) -> String {
    match load(v) {
        Err(e @ TemplateError::Item { .. }) => {
            let TemplateError::Item { item: i, field: f, .. } = &e else { unreachable!() };
            assert_eq!((i.as_str(), *f), (item, field), "{e}");
            let text = e.to_string();
            assert!(text.contains(item) && text.contains(field), "message names item and field: {text}");
            text
        }
        other => panic!("expected refusal of {item}.{field}, got {other:?}"),
    }
}

fn item_mut<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    for s in v["sections"].as_array_mut().unwrap() {
        for i in s["items"].as_array_mut().unwrap() {
            if i["id"] == id {
                return i;
            }
        }
    }
    panic!("no item {id}")
}

#[test]
fn the_base_template_is_valid() {
    let t = load(&base()).unwrap();
    assert_eq!(t.items().count(), 5);
}

#[test]
fn duplicate_item_id_is_refused() {
    let mut v = base();
    item_mut(&mut v, "B01")["id"] = json!("A02");
    refused(&v, "A02", "id");
    // Within one section too.
    let mut v = base();
    item_mut(&mut v, "A03")["id"] = json!("A01");
    refused(&v, "A01", "id");
}

#[test]
fn duplicate_section_id_is_refused() {
    let mut v = base();
    v["sections"][1]["id"] = json!("s1");
    refused(&v, "s1", "id");
}

#[test]
fn malformed_item_id_is_refused() {
    let mut v = base();
    item_mut(&mut v, "B01")["id"] = json!("B 01");
    refused(&v, "B 01", "id");
}

#[test]
fn show_if_must_point_back_at_an_existing_choice_or_pass_fail_item() {
    // Forward reference: B01 is after A01.
    let mut v = base();
    item_mut(&mut v, "A01")["show_if"] = json!({"item": "B01", "any_of": ["pass"]});
    refused(&v, "A01", "show_if.item");
    // A section's condition may not look into the section itself or later.
    let mut v = base();
    v["sections"][0]["show_if"] = json!({"item": "A01", "any_of": ["pass"]});
    refused(&v, "s1", "show_if.item");
    // Itself.
    let mut v = base();
    item_mut(&mut v, "A03")["show_if"] = json!({"item": "A03", "any_of": ["pass"]});
    refused(&v, "A03", "show_if.item");
    // Unknown item.
    let mut v = base();
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "Z99", "any_of": ["pass"]});
    refused(&v, "B01", "show_if.item");
    // A number item has no answer values to match.
    let mut v = base();
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "A03", "any_of": ["pass"]});
    refused(&v, "B01", "show_if.item");
    // Unknown value of a pass/fail item, unknown option of a choice item.
    let mut v = base();
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "A01", "any_of": ["pass", "yes"]});
    let text = refused(&v, "B01", "show_if.any_of");
    assert!(text.contains("yes"), "{text}");
    let mut v = base();
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "A02", "any_of": ["maybe"]});
    refused(&v, "B01", "show_if.any_of");
    // A condition that names no value could never hold.
    let mut v = base();
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "A02", "any_of": []});
    refused(&v, "B01", "show_if.any_of");
    // The valid forms load: a pass/fail value, a choice option, a section
    // condition on an earlier section's item.
    let mut v = base();
    item_mut(&mut v, "A03")["show_if"] = json!({"item": "A01", "any_of": ["fail", "na"]});
    item_mut(&mut v, "B01")["show_if"] = json!({"item": "A02", "any_of": ["no"]});
    v["sections"][1]["show_if"] = json!({"item": "A01", "any_of": ["pass"]});
    load(&v).unwrap();
}

#[test]
fn number_bounds_must_be_ordered_and_finite() {
    let mut v = base();
    item_mut(&mut v, "A03")["answer"] = json!({"type": "number", "unit": "m", "min": 5, "max": 4.5});
    refused(&v, "A03", "answer.min");
    // min == max is a single allowed value (food D02n: zero sick staff).
    let mut v = base();
    item_mut(&mut v, "A03")["answer"] = json!({"type": "number", "unit": "人", "min": 0, "max": 0});
    load(&v).unwrap();
    // A unit is required.
    let mut v = base();
    item_mut(&mut v, "A03")["answer"] = json!({"type": "number", "unit": " ", "min": 0});
    refused(&v, "A03", "answer.unit");
    // JSON cannot spell NaN or infinity, so a non-finite bound never gets as
    // far as validation: the parser refuses it.
    let text = base().to_string().replace("\"max\":10", "\"max\":NaN");
    assert!(text.contains("NaN"));
    assert!(matches!(Template::from_json(&text), Err(TemplateError::Parse(_))));
    let text = base().to_string().replace("\"max\":10", "\"max\":1e999");
    assert!(matches!(Template::from_json(&text), Err(TemplateError::Parse(_))));
}

#[test]
fn choice_needs_two_distinct_well_formed_options() {
    let mut v = base();
    item_mut(&mut v, "A02")["answer"]["options"].as_array_mut().unwrap().truncate(1);
    refused(&v, "A02", "answer.options");
    let mut v = base();
    item_mut(&mut v, "A02")["answer"]["options"][1]["id"] = json!("yes");
    refused(&v, "A02", "answer.options");
    let mut v = base();
    item_mut(&mut v, "A02")["answer"]["options"][1]["id"] = json!("");
    refused(&v, "A02", "answer.options");
}

#[test]
fn item_text_is_required_in_both_languages() {
    for lang in ["zh", "en"] {
        let mut v = base();
        item_mut(&mut v, "B02")["text"][lang] = json!("  ");
        refused(&v, "B02", "text");
    }
}

#[test]
fn item_without_legal_basis_is_refused() {
    let mut v = base();
    item_mut(&mut v, "A02")["basis"] = json!({"zh": "", "en": " "});
    refused(&v, "A02", "basis");
    // An absent basis does not parse; the parser names the field.
    let mut v = base();
    item_mut(&mut v, "A02").as_object_mut().unwrap().remove("basis");
    match load(&v) {
        Err(TemplateError::Parse(msg)) => assert!(msg.contains("basis"), "{msg}"),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn unknown_answer_type_is_a_parse_error() {
    let mut v = base();
    item_mut(&mut v, "B01")["answer"] = json!({"type": "signature"});
    assert!(matches!(load(&v), Err(TemplateError::Parse(_))));
    // So are unknown enum values elsewhere, and plain non-JSON.
    let mut v = base();
    item_mut(&mut v, "B01")["importance"] = json!("urgent");
    assert!(matches!(load(&v), Err(TemplateError::Parse(_))));
    assert!(matches!(Template::from_json("{not json"), Err(TemplateError::Parse(_))));
}

#[test]
fn template_level_fields_are_checked() {
    let mut v = base();
    v["version"] = json!(0);
    assert!(matches!(load(&v), Err(TemplateError::Template { field: "version", .. })));
    let mut v = base();
    v["id"] = json!("bad id!");
    assert!(matches!(load(&v), Err(TemplateError::Template { field: "id", .. })));
    let mut v = base();
    v["sections"] = json!([]);
    assert!(matches!(load(&v), Err(TemplateError::Template { field: "sections", .. })));
    let mut v = base();
    v["sections"][1]["items"] = json!([]);
    refused(&v, "s2", "items");
}

#[test]
fn a_store_refuses_a_malformed_published_template_and_keeps_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let who = common::identity("insp-1", Role::Inspector);
    let store = common::open(dir.path(), "phone.db", who.clone());
    let mut bad = base();
    item_mut(&mut bad, "A01")["show_if"] = json!({"item": "A02", "any_of": ["yes"]});
    let err = store.put_template(&bad.to_string()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("A01") && err.to_string().contains("show_if.item"), "{err}");
    assert_eq!(store.template("test_template", None).unwrap_err().kind(), ErrorKind::NotFound);

    let mut good = base();
    good["version"] = json!(2);
    store.put_template(&good.to_string()).unwrap();
    drop(store);
    // Published templates survive a restart.
    let store = redline_device::store::Store::open(dir.path().join("phone.db"), who).unwrap();
    assert_eq!(store.template("test_template", None).unwrap().version, 2);
    assert!(store.templates().unwrap().iter().any(|t| t.id == "test_template" && t.items == 5));
}
