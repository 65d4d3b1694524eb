//! Plans: the checks a supervisor's form meets, expansion, and the states.

use super::*;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn spec(assignee: Assignee, kind: InspectionKind) -> PlanSpec {
    PlanSpec {
        name: "春节前烟花爆竹零售点专项检查".into(),
        kind,
        template_id: "fireworks-retail".into(),
        assignee,
        schedule: Schedule { repeat: Repeat::Once, starts: d("2027-01-10"), until: d("2027-02-05") },
        notes: String::new(),
    }
}

#[test]
fn assistants_are_given_self_inspections_and_look_backs_only() {
    let campaign = spec(Assignee::Assistants, InspectionKind::SpecialCampaign);
    assert!(campaign.check(None).unwrap_err().to_string().contains("self-inspections"));
    assert!(spec(Assignee::Assistants, InspectionKind::SelfInspection).check(None).is_ok());
    let person = Assignee::Person { user_id: "assistant-wang".into() };
    assert!(spec(person.clone(), InspectionKind::Enforcement).check(Some(Role::CommunityAssistant)).is_err());
    assert!(spec(person.clone(), InspectionKind::LookBack).check(Some(Role::CommunityAssistant)).is_ok());
    assert!(spec(person.clone(), InspectionKind::Enforcement).check(Some(Role::Inspector)).is_ok());
    // A person who is not a user cannot be given work.
    assert!(matches!(spec(person, InspectionKind::Enforcement).check(None), Err(Error::NotFound(_))));
}

#[test]
fn names_and_notes_are_bounded() {
    let mut s = spec(Assignee::Assistants, InspectionKind::SelfInspection);
    s.name = "   ".into();
    assert!(s.check(None).is_err());
    s.name = "x".repeat(MAX_NAME_CHARS + 1);
    assert!(s.check(None).is_err());
    s.name = "ok\0".into();
    assert!(s.check(None).is_err());
}

#[test]
fn expansion_is_one_task_per_site_and_period_with_stable_ids() {
    let mut s = spec(Assignee::Assistants, InspectionKind::SelfInspection);
    s.schedule = Schedule { repeat: Repeat::Monthly, starts: d("2027-01-01"), until: d("2027-12-31") };
    let sites = vec!["a".to_string(), "b".to_string()];
    let tasks = expand("plan-1", &s, &sites).unwrap();
    assert_eq!(tasks.len(), 24);
    let again = expand("plan-1", &s, &sites).unwrap();
    assert_eq!(tasks, again);
    let ids: std::collections::BTreeSet<_> = tasks.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), 24);
    assert_ne!(Task::id_for("plan-1", "a", d("2027-01-01")), Task::id_for("plan-2", "a", d("2027-01-01")));
    assert_eq!(tasks[1].starts, d("2027-02-01"));
    assert_eq!(tasks[1].due, d("2027-02-28"));
}

#[test]
fn states_follow_the_calendar_until_done() {
    let (starts, due) = (d("2027-01-10"), d("2027-01-31"));
    assert_eq!(TaskState::of(starts, due, None, d("2027-01-09")), TaskState::Upcoming);
    assert_eq!(TaskState::of(starts, due, None, d("2027-01-10")), TaskState::Due);
    assert_eq!(TaskState::of(starts, due, None, d("2027-01-31")), TaskState::Due);
    assert_eq!(TaskState::of(starts, due, None, d("2027-02-01")), TaskState::Missed);
    assert_eq!(TaskState::of(starts, due, Some(d("2027-02-03")), d("2027-02-04")), TaskState::Done);
}

#[test]
fn the_first_submission_does_the_task() {
    assert_eq!(first_completion([("b", 20), ("a", 30), ("c", 20)]), Some(("b", 20)));
    assert_eq!(first_completion(std::iter::empty()), None);
}

#[test]
fn devices_carry_a_window_of_tasks() {
    let today = d("2027-06-15");
    assert!(on_device(d("2027-06-01"), d("2027-06-30"), today));
    assert!(on_device(d("2027-03-01"), d("2027-03-31"), today), "missed in the last three months");
    assert!(!on_device(d("2027-01-01"), d("2027-01-31"), today));
    assert!(!on_device(d("2027-09-01"), d("2027-09-30"), today));
}
