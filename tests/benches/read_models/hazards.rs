//! The hazards of the generated district, each a history of transitions by
//! the people who would make them (the assistant starts and reports the
//! fix, an inspector re-checks, the supervisor lists and decides
//! extensions), folded by the domain's lifecycle. Old hazards are mostly
//! closed, recent ones spread over every open state; some are overdue,
//! some have an extension, a few major ones are listed, some closed ones
//! had a look-back. A history the lifecycle would refuse is a bug here.

use crate::make::{Rng, person};
use redline_domain::hazard::{Action, Hazard, HazardHeader, ListingLevel, Transition, TreatmentPlan, fold_with_refusals};
use redline_domain::inspection::{Finding, Grade, Inspection};
use redline_domain::people::{Person, Role};
use redline_domain::time::{Date, Millis};

const DAY_MS: i64 = 86_400_000;

/// How a hazard's story goes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Story {
    Ordered,
    Fixing,
    FixReported,
    Rejected,
    Closed,
    LookedBack,
    Relapsed,
    Extended,
    ExtensionPending,
}

fn story(rng: &mut Rng, age_days: i64) -> Story {
    use Story::*;
    let r = rng.below(100);
    if age_days > 60 {
        // Old: nearly all closed, a few still open (overdue).
        match r {
            0..=69 => Closed,
            70..=84 => LookedBack,
            85..=86 => Relapsed,
            87..=90 => Ordered,
            91..=94 => Fixing,
            95..=97 => Extended,
            _ => Rejected,
        }
    } else {
        match r {
            0..=19 => Ordered,
            20..=39 => Fixing,
            40..=54 => FixReported,
            55..=61 => Rejected,
            62..=84 => Closed,
            85..=91 => Extended,
            _ => ExtensionPending,
        }
    }
}

struct Steps {
    id: String,
    at: Millis,
    out: Vec<Transition>,
}

impl Steps {
    fn add(&mut self, action: Action, by: &Person, role: Role, days: i64, evidence: bool) {
        self.at += days * DAY_MS;
        let n = self.out.len();
        self.out.push(Transition {
            id: format!("{}-t{n}", self.id),
            action,
            by: by.clone(),
            role,
            at: self.at,
            note: String::new(),
            evidence: if evidence { vec![format!("{:064x}", n + 1)] } else { vec![] },
        });
    }
}

fn plan(deadline: Date) -> TreatmentPlan {
    TreatmentPlan {
        responsibility: "企业主要负责人".into(),
        measures: "停用整改，更换设备".into(),
        deadline,
        funds: "企业自筹".into(),
        contingency: "设置警戒区，专人值守".into(),
    }
}

/// The hazard raised by finding `f` of inspection `i` (the `n`th).
pub fn hazard(rng: &mut Rng, now: Millis, i: &Inspection, f: Finding, n: usize) -> Hazard {
    let found_at = f.at;
    let age = (now - found_at) / DAY_MS;
    let mut s = story(rng, age);
    // A story only goes as far as time allows.
    let span = match s {
        Story::LookedBack | Story::Relapsed => 40,
        Story::Closed | Story::Rejected => 12,
        _ => 4,
    };
    if age < span {
        s = Story::Ordered;
    }
    let header = HazardHeader::of_finding(i, &f);
    let major = f.grade == Grade::Major;
    let assistant = i.header.created_by.clone();
    let inspector = person(&format!("insp-{}", n % 10), &format!("检查员{}", n % 10));
    let supervisor = person("sup-nh", "南湖区安委办");
    let deadline = f.deadline.unwrap_or_else(|| Date::in_china(found_at).add_days(15));
    let mut t = Steps { id: format!("h-{}", f.id), at: found_at, out: vec![] };
    let listed = major && rng.chance(0.5);
    if listed {
        t.add(Action::List { level: ListingLevel::County }, &supervisor, Role::Supervisor, 1, false);
    }
    let start = |t: &mut Steps| {
        let p = major.then(|| plan(deadline));
        t.add(Action::StartFix { plan: p }, &assistant, Role::CommunityAssistant, 1, false);
    };
    let fix = |t: &mut Steps| t.add(Action::ReportFix, &assistant, Role::CommunityAssistant, 3, true);
    let accept = |t: &mut Steps| {
        t.add(Action::Recheck { accepted: true }, &inspector, Role::Inspector, 2, true);
        if listed {
            t.add(Action::Delist, &supervisor, Role::Supervisor, 1, false);
        }
    };
    match s {
        Story::Ordered => {}
        Story::Fixing => start(&mut t),
        Story::FixReported => {
            start(&mut t);
            fix(&mut t);
        }
        Story::Rejected => {
            start(&mut t);
            fix(&mut t);
            t.add(Action::Recheck { accepted: false }, &inspector, Role::Inspector, 2, false);
        }
        Story::Closed | Story::LookedBack | Story::Relapsed => {
            start(&mut t);
            fix(&mut t);
            accept(&mut t);
            if s != Story::Closed {
                t.add(Action::LookBack { relapsed: s == Story::Relapsed }, &inspector, Role::Inspector, 30, false);
            }
        }
        Story::Extended | Story::ExtensionPending => {
            start(&mut t);
            let reason = "设备采购周期长".to_string();
            t.add(Action::RequestExtension { new_deadline: deadline.add_days(20), reason }, &assistant, Role::CommunityAssistant, 1, false);
            if s == Story::Extended {
                t.add(Action::DecideExtension { granted: true }, &supervisor, Role::Supervisor, 1, false);
            }
        }
    }
    let (status, refusals) = fold_with_refusals(&header, &t.out);
    assert!(refusals.is_empty(), "generated history of {} refused: {refusals:?}", t.id);
    Hazard { id: t.id, header, transitions: t.out, status, photos: Default::default(), conflicts: vec![] }
}
