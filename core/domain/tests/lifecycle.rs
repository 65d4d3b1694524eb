//! The hazard lifecycle (`redline_domain::hazard::{check, fold}`): every
//! transition, every refusal with its `Refusal` variant, superseding in
//! `fold`, and overdue derivation.
//!
//! The same `check` guards a local edit, the server's validation of an
//! upload and the replay of a merged history, so a rule that drifts here
//! either lets an enterprise close its own major hazard or makes replicas
//! disagree on a hazard's state. The rules pinned here are the ones
//! inspectors and supervisors work by: a major hazard needs a complete
//! treatment plan and evidence-backed acceptance by an official; deadlines
//! and extensions stay within a year of the first order; only supervisors
//! list and delist, and only major hazards; a relapse found at a look-back
//! reopens the hazard for a fresh order.

use redline_domain::ErrorKind;
use redline_domain::hazard::*;
use redline_domain::inspection::Grade;
use redline_domain::people::{Person, Role};
use redline_domain::time::{Date, Millis};

/// 2026-03-10 10:00 in China.
const T0: Millis = 1_773_108_000_000;
const DAY_MS: Millis = 86_400_000;

fn day0() -> Date {
    let d = Date::in_china(T0);
    assert_eq!(d.to_string(), "2026-03-10");
    d
}

fn d(offset: i64) -> Date {
    day0().add_days(offset)
}

fn header(grade: Grade, deadline: Option<Date>, responsible: Option<&str>) -> HazardHeader {
    HazardHeader {
        site_id: "site-1".into(),
        site_name: "西湖化工仓库".into(),
        inspection_id: "insp".into(),
        finding_id: "f".into(),
        item_id: Some("H12".into()),
        description: "甲类仓库内使用非防爆照明灯具".into(),
        grade,
        location: None,
        deadline,
        responsible: responsible.map(String::from),
        found_by: Person { user_id: "insp-1".into(), name: "张".into() },
        found_at: T0,
    }
}

fn general() -> HazardHeader {
    header(Grade::General, None, None)
}

fn major() -> HazardHeader {
    header(Grade::Major, None, None)
}

/// A transition made on `day0 + days` by someone with `role`.
fn t(action: Action, role: Role, days: i64) -> Transition {
    Transition {
        id: uuid::Uuid::new_v4().to_string(),
        action,
        by: Person { user_id: format!("{}-1", role.as_str()), name: role.as_str().into() },
        role,
        at: T0 + days * DAY_MS,
        note: String::new(),
        evidence: vec![],
    }
}

fn with_evidence(mut t: Transition) -> Transition {
    t.evidence = vec!["a".repeat(64)];
    t
}

fn order(deadline: Date) -> Action {
    Action::Order { deadline, responsible: "王经理".into() }
}

fn plan() -> TreatmentPlan {
    TreatmentPlan {
        responsibility: "总经理负责".into(),
        measures: "更换防爆灯具".into(),
        deadline: d(20),
        funds: "两万元".into(),
        contingency: "停用该库房".into(),
    }
}

fn extend(days: i64) -> Action {
    Action::RequestExtension { new_deadline: d(days), reason: "防爆灯具到货延迟".into() }
}

use Role::{Admin, CommunityAssistant as Assistant, Inspector, Supervisor};

/// Folds a history each step of which must be accepted.
fn run(h: &HazardHeader, ts: &[Transition]) -> HazardStatus {
    let mut status = fold(h, &[]);
    for (n, tr) in ts.iter().enumerate() {
        if let Err(e) = check(&status, tr) {
            panic!("step {n} ({}) refused: {e}", tr.action.name());
        }
        status = fold(h, &ts[..=n]);
    }
    assert!(status.superseded.is_empty(), "{:?}", status.superseded);
    status
}

/// Why `tr` is refused from the state `ts` leads to.
fn refusal(h: &HazardHeader, ts: &[Transition], tr: Transition) -> Refusal {
    let status = run(h, ts);
    let err = check(&status, &tr).expect_err(&format!("{} should be refused", tr.action.name()));
    assert_eq!(err.action, tr.action.name());
    // A refused transition that ends up in a merged history is superseded
    // with the same reason and changes nothing else.
    let mut all = ts.to_vec();
    all.push(tr.clone());
    let folded = fold(h, &all);
    assert_eq!(folded.superseded, vec![(tr.id.clone(), err.reason.to_string())]);
    assert_eq!(HazardStatus { superseded: vec![], ..folded }, status);
    err.reason
}

fn wrong(state: &'static str) -> Refusal {
    Refusal::WrongState(state)
}

fn bad_date(r: Refusal) -> bool {
    matches!(r, Refusal::BadDate(_))
}

/// The general hazard ordered on day 0, due on day 10.
fn ordered() -> Vec<Transition> {
    vec![t(order(d(10)), Inspector, 0)]
}

/// The major hazard ordered and being fixed under a plan.
fn major_fixing() -> Vec<Transition> {
    vec![t(order(d(10)), Inspector, 0), t(Action::StartFix { plan: Some(plan()) }, Assistant, 1)]
}

// ---- registration and order ------------------------------------------------

#[test]
fn a_hazard_starts_found_or_ordered_from_its_header() {
    let s = fold(&general(), &[]);
    assert_eq!((s.state, s.grade, s.deadline, s.original_deadline), (HazardState::Found, Grade::General, None, None));
    assert!(s.is_open() && s.superseded.is_empty());

    let s = fold(&header(Grade::Major, Some(d(7)), Some("王经理")), &[]);
    assert_eq!(s.state, HazardState::Ordered, "ordered on site with deadline and responsible person");
    assert_eq!((s.deadline, s.original_deadline, s.responsible.as_deref()), (Some(d(7)), Some(d(7)), Some("王经理")));

    // A deadline without anyone responsible is not an order yet.
    assert_eq!(fold(&header(Grade::General, Some(d(7)), None), &[]).state, HazardState::Found);
}

#[test]
fn order_sets_deadline_and_responsible_within_a_year() {
    let s = run(&general(), &ordered());
    assert_eq!(s.state, HazardState::Ordered);
    assert_eq!((s.deadline, s.original_deadline, s.responsible.as_deref()), (Some(d(10)), Some(d(10)), Some("王经理")));

    for role in [Inspector, Supervisor, Admin] {
        run(&general(), &[t(order(d(10)), role, 0)]);
    }
    assert_eq!(refusal(&general(), &[], t(order(d(10)), Assistant, 0)), Refusal::RoleNotAllowed("community_assistant"));
    assert_eq!(refusal(&general(), &ordered(), t(order(d(12)), Inspector, 1)), wrong("ordered"));

    // Due today is fine; yesterday is not; at most MAX_DEADLINE_DAYS out.
    run(&general(), &[t(order(d(0)), Inspector, 0)]);
    run(&general(), &[t(order(d(MAX_DEADLINE_DAYS)), Inspector, 0)]);
    assert!(bad_date(refusal(&general(), &[], t(order(d(-1)), Inspector, 0))));
    assert!(bad_date(refusal(&general(), &[], t(order(d(MAX_DEADLINE_DAYS + 1)), Inspector, 0))));
    // "Today" is the day the order is made, in China time.
    assert!(bad_date(refusal(&general(), &[], t(order(d(4)), Inspector, 5))));
    let nobody = t(Action::Order { deadline: d(5), responsible: "  ".into() }, Inspector, 0);
    assert!(bad_date(refusal(&general(), &[], nobody)));
}

// ---- fixing ----------------------------------------------------------------

#[test]
fn start_fix_needs_an_order_and_for_a_major_hazard_a_complete_plan() {
    assert_eq!(refusal(&general(), &[], t(Action::StartFix { plan: None }, Assistant, 0)), wrong("found"));
    let s = run(&general(), &[ordered(), vec![t(Action::StartFix { plan: None }, Assistant, 1)]].concat());
    assert_eq!((s.state, s.plan.clone()), (HazardState::Fixing, None));

    assert_eq!(refusal(&major(), &ordered(), t(Action::StartFix { plan: None }, Assistant, 1)), Refusal::PlanRequired);
    let blanks: [fn(&mut TreatmentPlan); 4] =
        [|p| p.responsibility = " ".into(), |p| p.measures = String::new(), |p| p.funds = "".into(), |p| p.contingency = "\t".into()];
    for blank in blanks {
        let mut p = plan();
        blank(&mut p);
        assert_eq!(refusal(&major(), &ordered(), t(Action::StartFix { plan: Some(p) }, Inspector, 1)), Refusal::PlanRequired);
    }
    let s = run(&major(), &major_fixing());
    assert_eq!(s.state, HazardState::Fixing);
    assert_eq!(s.plan, Some(plan()));
    assert_eq!(refusal(&major(), &major_fixing(), t(Action::StartFix { plan: Some(plan()) }, Assistant, 2)), wrong("fixing"));
}

#[test]
fn report_fix_needs_evidence_and_a_major_hazard_must_be_fixing() {
    // A general hazard may be fixed on the spot: from found, ordered or fixing.
    let general_histories = [vec![], ordered(), [ordered(), vec![t(Action::StartFix { plan: None }, Assistant, 1)]].concat()];
    for before in &general_histories {
        let s = run(&general(), &[before.clone(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat());
        assert_eq!(s.state, HazardState::FixReported);
        assert_eq!(refusal(&general(), before, t(Action::ReportFix, Assistant, 2)), Refusal::EvidenceRequired);
    }
    assert_eq!(refusal(&major(), &[], with_evidence(t(Action::ReportFix, Assistant, 1))), wrong("found"));
    assert_eq!(refusal(&major(), &ordered(), with_evidence(t(Action::ReportFix, Assistant, 1))), wrong("ordered"));
    assert_eq!(refusal(&major(), &major_fixing(), t(Action::ReportFix, Assistant, 2)), Refusal::EvidenceRequired);
    let reported = [major_fixing(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat();
    assert_eq!(run(&major(), &reported).state, HazardState::FixReported);
    assert_eq!(refusal(&major(), &reported, with_evidence(t(Action::ReportFix, Assistant, 3))), wrong("fix_reported"));
}

// ---- re-check --------------------------------------------------------------

#[test]
fn recheck_accepts_or_sends_back_and_guards_major_hazards() {
    let reported_general = vec![with_evidence(t(Action::ReportFix, Assistant, 1))];
    assert_eq!(refusal(&general(), &ordered(), t(Action::Recheck { accepted: true }, Inspector, 1)), wrong("ordered"));

    // Accepting closes, stamped with the re-check's time.
    let accept = t(Action::Recheck { accepted: true }, Inspector, 3);
    let s = run(&general(), &[reported_general.clone(), vec![accept.clone()]].concat());
    assert_eq!((s.state, s.closed_at), (HazardState::Closed, Some(accept.at)));
    assert!(!s.is_open());
    // Sending back returns it to fixing.
    let s = run(&general(), &[reported_general.clone(), vec![t(Action::Recheck { accepted: false }, Inspector, 3)]].concat());
    assert_eq!((s.state, s.closed_at), (HazardState::Fixing, None));
    // An assistant may re-check a general hazard, without photos.
    let s = run(&general(), &[reported_general, vec![t(Action::Recheck { accepted: true }, Assistant, 3)]].concat());
    assert_eq!(s.state, HazardState::Closed);

    // A major one: officials only, and acceptance needs evidence.
    let reported_major = [major_fixing(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat();
    for accepted in [true, false] {
        let by_assistant = with_evidence(t(Action::Recheck { accepted }, Assistant, 3));
        assert_eq!(refusal(&major(), &reported_major, by_assistant), Refusal::RoleNotAllowed("community_assistant"));
    }
    assert_eq!(refusal(&major(), &reported_major, t(Action::Recheck { accepted: true }, Inspector, 3)), Refusal::EvidenceRequired);
    let s = run(&major(), &[reported_major.clone(), vec![t(Action::Recheck { accepted: false }, Inspector, 3)]].concat());
    assert_eq!(s.state, HazardState::Fixing, "sending back needs no photo");
    let s = run(&major(), &[reported_major, vec![with_evidence(t(Action::Recheck { accepted: true }, Supervisor, 3))]].concat());
    assert_eq!(s.state, HazardState::Closed, "an unlisted major hazard closes on acceptance");
}

// ---- extensions ------------------------------------------------------------

#[test]
fn extension_requests_move_the_deadline_later_within_a_year_of_the_first_order() {
    assert_eq!(refusal(&general(), &[], t(extend(20), Assistant, 1)), wrong("found"));

    // Requested by the enterprise's side, pending until an official decides.
    let requested = [ordered(), vec![t(extend(20), Assistant, 5)]].concat();
    let s = run(&general(), &requested);
    assert_eq!(s.pending_extension, Some(PendingExtension { new_deadline: d(20), reason: "防爆灯具到货延迟".into() }));
    assert_eq!(s.deadline, Some(d(10)), "unchanged until decided");
    assert_eq!(refusal(&general(), &requested, t(extend(25), Assistant, 6)), Refusal::ExtensionPending);

    // Later than the current deadline.
    assert!(bad_date(refusal(&general(), &ordered(), t(extend(10), Assistant, 1))));
    assert!(bad_date(refusal(&general(), &ordered(), t(extend(9), Assistant, 1))));
    // Not in the past on the day it is asked (the deadline already passed).
    assert!(bad_date(refusal(&general(), &ordered(), t(extend(12), Assistant, 13))));
    // At most MAX_DEADLINE_DAYS after the original deadline, also after a
    // granted extension moved the current one.
    run(&general(), &[ordered(), vec![t(extend(10 + MAX_DEADLINE_DAYS), Assistant, 1)]].concat());
    assert!(bad_date(refusal(&general(), &ordered(), t(extend(11 + MAX_DEADLINE_DAYS), Assistant, 1))));
    let granted = [requested.clone(), vec![t(Action::DecideExtension { granted: true }, Inspector, 6)]].concat();
    let s = run(&general(), &granted);
    assert_eq!((s.deadline, s.original_deadline, s.pending_extension.clone()), (Some(d(20)), Some(d(10)), None));
    run(&general(), &[granted.clone(), vec![t(extend(10 + MAX_DEADLINE_DAYS), Assistant, 7)]].concat());
    assert!(bad_date(refusal(&general(), &granted, t(extend(11 + MAX_DEADLINE_DAYS), Assistant, 7))));
    assert!(bad_date(refusal(&general(), &granted, t(extend(15), Assistant, 7))), "not later than the extended deadline");

    // Also while fixing; not once the fix is reported.
    run(&major(), &[major_fixing(), vec![t(extend(20), Assistant, 2)]].concat());
    let reported = [major_fixing(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat();
    assert_eq!(refusal(&major(), &reported, t(extend(20), Assistant, 3)), wrong("fix_reported"));

    // An ordered hazard always has a deadline; a status without one (which
    // only a damaged replay could produce) is refused, not panicked on.
    let mut s = run(&general(), &ordered());
    s.deadline = None;
    let err = check(&s, &t(extend(20), Assistant, 1)).unwrap_err();
    assert_eq!(err.reason, Refusal::NoDeadline);
}

#[test]
fn an_official_grants_or_denies_the_pending_extension() {
    let requested = [ordered(), vec![t(extend(20), Assistant, 5)]].concat();
    assert_eq!(refusal(&general(), &ordered(), t(Action::DecideExtension { granted: true }, Inspector, 5)), Refusal::NoPendingExtension);
    assert_eq!(
        refusal(&general(), &requested, t(Action::DecideExtension { granted: true }, Assistant, 6)),
        Refusal::RoleNotAllowed("community_assistant")
    );
    assert_eq!(refusal(&general(), &[], t(Action::DecideExtension { granted: true }, Inspector, 6)), wrong("found"));

    let s = run(&general(), &[requested.clone(), vec![t(Action::DecideExtension { granted: true }, Inspector, 6)]].concat());
    assert_eq!((s.deadline, s.pending_extension.clone()), (Some(d(20)), None));
    let denied = [requested, vec![t(Action::DecideExtension { granted: false }, Supervisor, 6)]].concat();
    let s = run(&general(), &denied);
    assert_eq!((s.deadline, s.original_deadline, s.pending_extension.clone()), (Some(d(10)), Some(d(10)), None));
    // Once decided, a new request may be made.
    let s = run(&general(), &[denied, vec![t(extend(15), Assistant, 7)]].concat());
    assert_eq!(s.pending_extension.map(|p| p.new_deadline), Some(d(15)));
}

#[test]
fn an_extension_still_pending_when_the_fix_is_accepted_lapses() {
    // Asked for more time, then fixed it anyway: the request must not outlive
    // the hazard (a closed hazard listed as "extension pending"), nor come
    // back to be granted after a relapse re-opens it with a new deadline.
    let closed = [
        ordered(),
        vec![
            t(extend(30), Assistant, 2),
            with_evidence(t(Action::ReportFix, Assistant, 3)),
            t(Action::Recheck { accepted: true }, Inspector, 4),
        ],
    ]
    .concat();
    let s = run(&general(), &closed);
    assert_eq!(s.state, HazardState::Closed);
    assert_eq!(s.pending_extension, None);

    let reordered = [closed, vec![t(Action::LookBack { relapsed: true }, Inspector, 40), t(order(d(50)), Inspector, 40)]].concat();
    let s = run(&general(), &reordered);
    assert_eq!((s.state, s.deadline, s.pending_extension.clone()), (HazardState::Ordered, Some(d(50)), None));
    assert_eq!(
        refusal(&general(), &reordered, t(Action::DecideExtension { granted: true }, Inspector, 41)),
        Refusal::NoPendingExtension,
        "the old request (day 30) would move the new deadline (day 50) earlier"
    );
}

// ---- listing ---------------------------------------------------------------

#[test]
fn only_supervisors_list_and_only_major_hazards() {
    let list = |role, days| t(Action::List { level: ListingLevel::City }, role, days);
    assert_eq!(refusal(&general(), &[], list(Supervisor, 0)), Refusal::NotMajor);
    assert_eq!(refusal(&major(), &[], list(Inspector, 0)), Refusal::RoleNotAllowed("inspector"));
    assert_eq!(refusal(&major(), &[], list(Assistant, 0)), Refusal::RoleNotAllowed("community_assistant"));
    for role in [Supervisor, Admin] {
        let s = run(&major(), &[list(role, 0)]);
        assert_eq!((s.state, s.listed), (HazardState::Found, Some(ListingLevel::City)));
    }
    // From any open state before acceptance.
    run(&major(), &[major_fixing(), vec![list(Supervisor, 2)]].concat());
    run(&major(), &[major_fixing(), vec![with_evidence(t(Action::ReportFix, Assistant, 2)), list(Supervisor, 3)]].concat());
    assert_eq!(
        refusal(&major(), &[list(Supervisor, 0)], t(Action::List { level: ListingLevel::Province }, Admin, 1)),
        Refusal::AlreadyListed
    );
    let closed = [
        major_fixing(),
        vec![with_evidence(t(Action::ReportFix, Assistant, 2)), with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3))],
    ]
    .concat();
    assert_eq!(refusal(&major(), &closed, list(Supervisor, 4)), wrong("closed"));
}

#[test]
fn a_listed_hazard_waits_for_delisting_after_acceptance() {
    let listed_fixing = [vec![t(Action::List { level: ListingLevel::County }, Supervisor, 0)], major_fixing()].concat();
    let reported = [listed_fixing.clone(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat();
    let accept = with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3));
    let accepted = [reported.clone(), vec![accept]].concat();
    let s = run(&major(), &accepted);
    assert_eq!((s.state, s.listed, s.closed_at), (HazardState::Accepted, Some(ListingLevel::County), None));
    assert!(s.is_open(), "accepted but not yet delisted is still open");

    assert_eq!(refusal(&major(), &listed_fixing, t(Action::Delist, Supervisor, 2)), wrong("fixing"));
    assert_eq!(refusal(&major(), &reported, t(Action::Delist, Supervisor, 3)), wrong("fix_reported"));
    assert_eq!(refusal(&major(), &accepted, t(Action::Delist, Inspector, 4)), Refusal::RoleNotAllowed("inspector"));
    assert_eq!(refusal(&major(), &accepted, t(Action::Delist, Assistant, 4)), Refusal::RoleNotAllowed("community_assistant"));
    // Delisting something never listed.
    let closed_unlisted = [
        major_fixing(),
        vec![with_evidence(t(Action::ReportFix, Assistant, 2)), with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3))],
    ]
    .concat();
    assert_eq!(refusal(&major(), &closed_unlisted, t(Action::Delist, Supervisor, 4)), Refusal::NotListed);
    assert_eq!(refusal(&major(), &major_fixing(), t(Action::Delist, Supervisor, 2)), Refusal::NotListed);

    let delist = t(Action::Delist, Admin, 5);
    let s = run(&major(), &[accepted.clone(), vec![delist.clone()]].concat());
    assert_eq!((s.state, s.listed, s.closed_at), (HazardState::Closed, None, Some(delist.at)));
    assert_eq!(refusal(&major(), &[accepted, vec![delist]].concat(), t(Action::Delist, Supervisor, 6)), Refusal::NotListed);
}

// ---- look-back and regrade -------------------------------------------------

#[test]
fn look_back_counts_and_a_relapse_reopens_for_a_fresh_order() {
    let closed =
        [ordered(), vec![with_evidence(t(Action::ReportFix, Assistant, 2)), t(Action::Recheck { accepted: true }, Inspector, 3)]].concat();
    assert_eq!(refusal(&general(), &ordered(), t(Action::LookBack { relapsed: false }, Inspector, 2)), wrong("ordered"));

    let fine = [closed.clone(), vec![t(Action::LookBack { relapsed: false }, Assistant, 30)]].concat();
    let s = run(&general(), &fine);
    assert_eq!((s.state, s.look_backs, s.relapses), (HazardState::Closed, 1, 0));
    assert_eq!(s.closed_at, Some(T0 + 3 * DAY_MS));

    let relapsed = [fine, vec![t(Action::LookBack { relapsed: true }, Inspector, 60)]].concat();
    let s = run(&general(), &relapsed);
    assert_eq!((s.state, s.look_backs, s.relapses), (HazardState::Found, 2, 1));
    assert_eq!((s.deadline, s.original_deadline, s.closed_at), (None, None, None));
    assert!(s.is_open());
    assert!(!s.is_overdue(d(400)), "no deadline until ordered again");
    assert_eq!(refusal(&general(), &relapsed, t(Action::LookBack { relapsed: true }, Inspector, 61)), wrong("found"));

    // Ordered afresh: the new deadline is the original one for extensions.
    let reordered = [relapsed, vec![t(order(d(70)), Inspector, 61)]].concat();
    let s = run(&general(), &reordered);
    assert_eq!((s.state, s.deadline, s.original_deadline), (HazardState::Ordered, Some(d(70)), Some(d(70))));
    run(&general(), &[reordered.clone(), vec![t(extend(70 + MAX_DEADLINE_DAYS), Assistant, 62)]].concat());
    assert!(bad_date(refusal(&general(), &reordered, t(extend(71 + MAX_DEADLINE_DAYS), Assistant, 62))));
}

#[test]
fn officials_regrade_an_open_hazard_and_the_new_grade_applies() {
    let regraded = [ordered(), vec![t(Action::Regrade { grade: Grade::Major }, Inspector, 1)]].concat();
    let s = run(&general(), &regraded);
    assert_eq!((s.state, s.grade), (HazardState::Ordered, Grade::Major));
    // Now the major-hazard rules apply.
    assert_eq!(refusal(&general(), &regraded, t(Action::StartFix { plan: None }, Assistant, 2)), Refusal::PlanRequired);
    assert_eq!(refusal(&general(), &regraded, with_evidence(t(Action::ReportFix, Assistant, 2))), wrong("ordered"));
    // And back down.
    let s = run(&major(), &[t(Action::Regrade { grade: Grade::General }, Supervisor, 0)]);
    assert_eq!(s.grade, Grade::General);

    assert_eq!(
        refusal(&general(), &ordered(), t(Action::Regrade { grade: Grade::Major }, Assistant, 1)),
        Refusal::RoleNotAllowed("community_assistant")
    );
    let closed =
        [ordered(), vec![with_evidence(t(Action::ReportFix, Assistant, 2)), t(Action::Recheck { accepted: true }, Inspector, 3)]].concat();
    assert_eq!(refusal(&general(), &closed, t(Action::Regrade { grade: Grade::Major }, Inspector, 4)), wrong("closed"));
    let accepted = [
        vec![t(Action::List { level: ListingLevel::City }, Supervisor, 0)],
        major_fixing(),
        vec![with_evidence(t(Action::ReportFix, Assistant, 2)), with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3))],
    ]
    .concat();
    assert_eq!(refusal(&major(), &accepted, t(Action::Regrade { grade: Grade::General }, Supervisor, 4)), wrong("accepted"));
}

// ---- refusals as errors ----------------------------------------------------

#[test]
fn a_role_that_may_never_act_is_refused_as_such_in_any_state() {
    // The server rejects an upload whose transition its author's role could
    // never make, so the role refusal must win over a state refusal.
    let closed =
        [ordered(), vec![with_evidence(t(Action::ReportFix, Assistant, 2)), t(Action::Recheck { accepted: true }, Inspector, 3)]].concat();
    let closed_major = [
        major_fixing(),
        vec![with_evidence(t(Action::ReportFix, Assistant, 2)), with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3))],
    ]
    .concat();
    let cases: Vec<(HazardHeader, Vec<Transition>, Transition)> = vec![
        (general(), closed.clone(), t(order(d(20)), Assistant, 4)),
        (general(), vec![], t(Action::DecideExtension { granted: true }, Assistant, 1)),
        (major(), closed_major, t(Action::List { level: ListingLevel::City }, Inspector, 4)),
        (major(), vec![], t(Action::Delist, Inspector, 1)),
        (general(), closed.clone(), t(Action::Regrade { grade: Grade::Major }, Assistant, 4)),
        (major(), major_fixing(), with_evidence(t(Action::Recheck { accepted: true }, Assistant, 2))),
    ];
    for (h, before, tr) in cases {
        let name = tr.action.name();
        let r = refusal(&h, &before, tr.clone());
        assert!(matches!(r, Refusal::RoleNotAllowed(_)), "{name}: {r:?}");
        let err = check(&run(&h, &before), &tr).unwrap_err();
        assert!(err.is_permission());
        let err: redline_domain::Error = err.into();
        assert_eq!(err.kind(), ErrorKind::NotAllowed, "{name}");
    }
    // Anything else is an input the user can fix.
    let err = check(&run(&general(), &[]), &t(Action::ReportFix, Assistant, 0)).unwrap_err();
    assert!(!err.is_permission());
    assert_eq!(redline_domain::Error::from(err).kind(), ErrorKind::InvalidInput);
}

// ---- fold ------------------------------------------------------------------

#[test]
fn fold_marks_transitions_that_no_longer_fit_as_superseded() {
    // Two inspectors re-checked the same reported fix offline: one accepted,
    // one sent it back. Merged, the first in list order wins.
    let report = with_evidence(t(Action::ReportFix, Assistant, 1));
    let accept = t(Action::Recheck { accepted: true }, Inspector, 2);
    let reject = t(Action::Recheck { accepted: false }, Inspector, 2);
    let s = fold(&general(), &[report.clone(), accept.clone(), reject.clone()]);
    assert_eq!(s.state, HazardState::Closed);
    assert_eq!(s.superseded, vec![(reject.id.clone(), wrong("closed").to_string())]);
    let s = fold(&general(), &[report.clone(), reject.clone(), accept.clone()]);
    assert_eq!(s.state, HazardState::Fixing);
    assert_eq!(s.superseded, vec![(accept.id.clone(), wrong("fixing").to_string())]);

    // Two orders: the first deadline stands.
    let o1 = t(order(d(10)), Inspector, 0);
    let o2 = t(order(d(30)), Supervisor, 0);
    let s = fold(&general(), &[o1.clone(), o2.clone()]);
    assert_eq!((s.deadline, s.original_deadline), (Some(d(10)), Some(d(10))));
    assert_eq!(s.superseded, vec![(o2.id.clone(), wrong("ordered").to_string())]);

    // Two extension requests: the second waits its turn, so it is dropped.
    let e1 = t(extend(20), Assistant, 1);
    let e2 = t(extend(25), Assistant, 1);
    let s = fold(&general(), &[o1.clone(), e1, e2.clone()]);
    assert_eq!(s.pending_extension.map(|p| p.new_deadline), Some(d(20)));
    assert_eq!(s.superseded, vec![(e2.id.clone(), Refusal::ExtensionPending.to_string())]);

    // A superseded transition is skipped, not stopped at: what follows it
    // still applies when it fits.
    let fix = with_evidence(t(Action::ReportFix, Assistant, 3));
    let s = fold(&general(), &[o1.clone(), o2.clone(), fix]);
    assert_eq!(s.state, HazardState::FixReported);
    assert_eq!(s.superseded.len(), 1);

    // A regrade made concurrently with a plan-less start turns the start
    // invalid when it comes first in the merged order.
    let regrade = t(Action::Regrade { grade: Grade::Major }, Inspector, 1);
    let start = t(Action::StartFix { plan: None }, Assistant, 1);
    let s = fold(&general(), &[o1.clone(), regrade.clone(), start.clone()]);
    assert_eq!((s.state, s.grade), (HazardState::Ordered, Grade::Major));
    assert_eq!(s.superseded, vec![(start.id.clone(), Refusal::PlanRequired.to_string())]);
    let s = fold(&general(), &[o1, start, regrade]);
    assert_eq!((s.state, s.grade), (HazardState::Fixing, Grade::Major));
    assert!(s.superseded.is_empty());
}

// ---- overdue ---------------------------------------------------------------

#[test]
fn overdue_means_past_the_deadline_and_not_yet_reported_fixed() {
    // Ordered, due day 10.
    let s = run(&general(), &ordered());
    assert!(!s.is_overdue(d(9)));
    assert!(!s.is_overdue(d(10)), "due today is not overdue yet");
    assert!(s.is_overdue(d(11)));
    // Fixing past the deadline is overdue too.
    let fixing = [ordered(), vec![t(Action::StartFix { plan: None }, Assistant, 1)]].concat();
    assert!(run(&general(), &fixing).is_overdue(d(11)));
    // Reported, accepted, closed: not overdue, whatever the date.
    let reported = [fixing.clone(), vec![with_evidence(t(Action::ReportFix, Assistant, 2))]].concat();
    assert!(!run(&general(), &reported).is_overdue(d(100)));
    let closed = [reported, vec![t(Action::Recheck { accepted: true }, Inspector, 3)]].concat();
    assert!(!run(&general(), &closed).is_overdue(d(100)));
    let accepted = [
        vec![t(Action::List { level: ListingLevel::City }, Supervisor, 0)],
        major_fixing(),
        vec![with_evidence(t(Action::ReportFix, Assistant, 2)), with_evidence(t(Action::Recheck { accepted: true }, Inspector, 3))],
    ]
    .concat();
    assert!(!run(&major(), &accepted).is_overdue(d(100)));
    // A deadline written on site without a responsible person still counts.
    let found = fold(&header(Grade::General, Some(d(5)), None), &[]);
    assert_eq!(found.state, HazardState::Found);
    assert!(found.is_overdue(d(6)));
    // No deadline, never overdue.
    assert!(!fold(&general(), &[]).is_overdue(d(1000)));
    // A granted extension moves it; a pending one does not.
    let requested = [ordered(), vec![t(extend(20), Assistant, 5)]].concat();
    assert!(run(&general(), &requested).is_overdue(d(11)));
    let granted = [requested, vec![t(Action::DecideExtension { granted: true }, Inspector, 6)]].concat();
    let s = run(&general(), &granted);
    assert!(!s.is_overdue(d(11)) && !s.is_overdue(d(20)) && s.is_overdue(d(21)));
}
