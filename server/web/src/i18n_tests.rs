//! The translation table's checks: both languages for every key, and every
//! key the templates and the code use, or the codes they label, present.

use super::*;

#[test]
fn every_text_has_both_languages_once() {
    let mut keys = std::collections::BTreeSet::new();
    for (k, zh, en) in all_texts() {
        assert!(keys.insert(*k), "{k} twice");
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{k}");
    }
}

#[test]
fn every_key_the_templates_use_is_translated() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut used = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("t.s(\"").skip(1) {
            let key = &part[..part.find('"').unwrap()];
            assert!(all_texts().any(|(k, _, _)| *k == key), "template key {key:?} has no text");
            used += 1;
        }
    }
    assert!(used > 50, "the templates use the table ({used} keys)");
}

#[test]
fn every_key_the_code_uses_is_translated() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut used = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("t.s(\"").skip(1) {
            let key = &part[..part.find('"').unwrap()];
            assert!(all_texts().any(|(k, _, _)| *k == key), "key {key:?} has no text");
            used += 1;
        }
    }
    assert!(used > 20, "the code uses the table ({used} keys)");
}

#[test]
fn codes_of_every_state_kind_and_grade_are_labelled() {
    use redline_domain::hazard::HazardState;
    use redline_domain::inspection::{Grade, InspectionKind};
    let t = Texts { lang: Lang::Zh };
    for s in ["found", "ordered", "fixing", "fix_reported", "accepted", "closed"] {
        assert!(HazardState::parse(s).is_some());
        assert_ne!(t.code("state", s), s);
    }
    for k in ["routine_patrol", "special_campaign", "self_inspection", "enforcement", "look_back"] {
        assert!(InspectionKind::parse(k).is_some());
        assert_ne!(t.code("kind", k), k);
    }
    for g in [Grade::General, Grade::Major] {
        assert_ne!(t.code("grade", g.as_str()), g.as_str());
    }
    for r in <redline_domain::people::Role as redline_domain::code::Code>::ALL {
        assert_ne!(t.code("role", r.as_str()), r.as_str());
    }
}

#[test]
fn every_site_category_and_csv_problem_is_labelled() {
    use redline_domain::template::SiteCategory::*;
    let t = Texts { lang: Lang::En };
    for c in [HazardousChemicals, Fireworks, FireworksRetail, SpecialEquipment, Food, ThreePlacesThreeEnterprises] {
        let code = serde_json::to_value(c).unwrap().as_str().unwrap().to_string();
        assert_ne!(t.code("category", &code), code);
    }
    for code in ["created", "saved", "password", "sessions", "device_revoked", "imported", "published"] {
        assert_ne!(t.code("admin.done", code), code);
    }
    for code in ["bad_id", "no_name", "bad_area", "exists", "role", "own_role", "short_password", "not_utf8"] {
        assert_ne!(t.code("admin.refused", code), code);
    }
}
