//! The hazard lifecycle as a pure fold: `check` says whether a transition is
//! allowed from a status, `fold` replays a history into the current status.
//!
//! The same `check` guards local edits, the server's validation of incoming
//! changes, and the fold itself: when two offline devices each made a
//! transition that was valid on its own, the merged list is replayed in its
//! (deterministic) order and a transition that no longer fits is kept in the
//! history but marked superseded, so every replica agrees on one state.

use super::{Action, HazardHeader, ListingLevel, Transition, TreatmentPlan};
use crate::inspection::Grade;
use crate::time::{Date, Millis};
use serde::{Deserialize, Serialize};

/// Longest fix period and longest extension, in days (one city's rule: a
/// deadline at most one year out).
pub const MAX_DEADLINE_DAYS: i64 = 366;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardState {
    /// 发现/登记
    Found,
    /// 责令整改: deadline and responsible person set.
    Ordered,
    /// 整改中
    Fixing,
    /// Fix reported, waiting for re-check.
    FixReported,
    /// Re-check accepted on a listed hazard; waits for delisting.
    Accepted,
    /// 销号
    Closed,
}

crate::codes!(HazardState, "hazard state", {
    Found => "found",
    Ordered => "ordered",
    Fixing => "fixing",
    FixReported => "fix_reported",
    Accepted => "accepted",
    Closed => "closed",
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingExtension {
    pub new_deadline: Date,
    pub reason: String,
}

/// The current state of a hazard, folded from its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HazardStatus {
    pub state: HazardState,
    pub grade: Grade,
    pub deadline: Option<Date>,
    /// The first deadline ordered; extensions are bounded from it.
    pub original_deadline: Option<Date>,
    pub responsible: Option<String>,
    pub plan: Option<TreatmentPlan>,
    pub listed: Option<ListingLevel>,
    pub pending_extension: Option<PendingExtension>,
    pub look_backs: u32,
    pub relapses: u32,
    pub closed_at: Option<Millis>,
    /// Transitions that were valid on their device but no longer fitted after
    /// a merge: (transition id, why). They stay in the history.
    pub superseded: Vec<(String, String)>,
}

/// Why a transition is refused; the app can show it as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not possible while the hazard is {0}")]
    WrongState(&'static str),
    #[error("the role {0} may not do this")]
    RoleNotAllowed(&'static str),
    #[error("evidence photos are required")]
    EvidenceRequired,
    #[error("a major hazard needs a treatment plan with all five parts")]
    PlanRequired,
    #[error("only a major hazard can be listed")]
    NotMajor,
    #[error("already listed")]
    AlreadyListed,
    #[error("not listed")]
    NotListed,
    #[error("no extension is pending")]
    NoPendingExtension,
    #[error("an extension is already pending")]
    ExtensionPending,
    #[error("the hazard has no deadline")]
    NoDeadline,
    #[error("{0}")]
    BadDate(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action}: {reason}")]
pub struct TransitionRefused {
    pub action: &'static str,
    pub reason: Refusal,
}

impl TransitionRefused {
    /// A refusal the user cannot fix by changing their input.
    pub fn is_permission(&self) -> bool {
        matches!(self.reason, Refusal::RoleNotAllowed(_))
    }
}

/// The status right after the hazard is registered.
pub fn initial(header: &HazardHeader) -> HazardStatus {
    let ordered = header.deadline.is_some() && header.responsible.is_some();
    HazardStatus {
        state: if ordered { HazardState::Ordered } else { HazardState::Found },
        grade: header.grade,
        deadline: header.deadline,
        original_deadline: header.deadline,
        responsible: header.responsible.clone(),
        plan: None,
        listed: None,
        pending_extension: None,
        look_backs: 0,
        relapses: 0,
        closed_at: None,
        superseded: vec![],
    }
}

/// Replays `transitions` in order from the registered state.
pub fn fold(header: &HazardHeader, transitions: &[Transition]) -> HazardStatus {
    fold_with_refusals(header, transitions).0
}

/// Like [`fold`], also returning why each superseded transition was refused
/// (the server rejects uploads whose new transitions fail for their role).
/// Role checks come before state checks in [`check`], so a transition its
/// author's role may never make is always refused as such.
pub fn fold_with_refusals(header: &HazardHeader, transitions: &[Transition]) -> (HazardStatus, Vec<(String, Refusal)>) {
    let mut status = initial(header);
    let mut refusals = vec![];
    for t in transitions {
        match check(&status, t) {
            Ok(()) => apply(&mut status, t),
            Err(e) => {
                status.superseded.push((t.id.clone(), e.reason.to_string()));
                refusals.push((t.id.clone(), e.reason));
            }
        }
    }
    (status, refusals)
}

/// Whether `t` may be made from `status`.
pub fn check(status: &HazardStatus, t: &Transition) -> Result<(), TransitionRefused> {
    check_inner(status, t).map_err(|reason| TransitionRefused { action: t.action.name(), reason })
}

fn check_inner(s: &HazardStatus, t: &Transition) -> Result<(), Refusal> {
    use HazardState::*;
    let official = || if t.role.is_official() { Ok(()) } else { Err(Refusal::RoleNotAllowed(t.role.as_str())) };
    let supervisor = || if t.role.is_supervisor() { Ok(()) } else { Err(Refusal::RoleNotAllowed(t.role.as_str())) };
    let in_state = |allowed: &[HazardState]| {
        if allowed.contains(&s.state) { Ok(()) } else { Err(Refusal::WrongState(s.state.as_str())) }
    };
    let day = Date::in_china(t.at);
    match &t.action {
        Action::Order { deadline, responsible } => {
            official()?;
            in_state(&[Found])?;
            check_deadline(*deadline, day, day)?;
            if responsible.trim().is_empty() {
                return Err(Refusal::BadDate("a responsible person is required".into()));
            }
        }
        Action::StartFix { plan } => {
            in_state(&[Ordered])?;
            if s.grade == Grade::Major && !plan.as_ref().is_some_and(plan_complete) {
                return Err(Refusal::PlanRequired);
            }
        }
        Action::ReportFix => {
            // A general hazard may be fixed on the spot, without a plan.
            if s.grade == Grade::Major {
                in_state(&[Fixing])?
            } else {
                in_state(&[Found, Ordered, Fixing])?
            }
            if t.evidence.is_empty() {
                return Err(Refusal::EvidenceRequired);
            }
        }
        Action::Recheck { accepted } => {
            // An assistant may re-check a general hazard, never a major one.
            if s.grade == Grade::Major {
                official()?;
            }
            in_state(&[FixReported])?;
            if s.grade == Grade::Major && *accepted && t.evidence.is_empty() {
                return Err(Refusal::EvidenceRequired);
            }
        }
        Action::RequestExtension { new_deadline, .. } => {
            in_state(&[Ordered, Fixing])?;
            if s.pending_extension.is_some() {
                return Err(Refusal::ExtensionPending);
            }
            let current = s.deadline.ok_or(Refusal::NoDeadline)?;
            if *new_deadline <= current {
                return Err(Refusal::BadDate("the new deadline must be later than the current one".into()));
            }
            check_deadline(*new_deadline, day, s.original_deadline.unwrap_or(current))?;
        }
        Action::DecideExtension { .. } => {
            official()?;
            in_state(&[Ordered, Fixing])?;
            if s.pending_extension.is_none() {
                return Err(Refusal::NoPendingExtension);
            }
        }
        Action::List { .. } => {
            supervisor()?;
            if s.grade != Grade::Major {
                return Err(Refusal::NotMajor);
            }
            if s.listed.is_some() {
                return Err(Refusal::AlreadyListed);
            }
            in_state(&[Found, Ordered, Fixing, FixReported])?;
        }
        Action::Delist => {
            supervisor()?;
            if s.listed.is_none() {
                return Err(Refusal::NotListed);
            }
            in_state(&[Accepted])?;
        }
        Action::LookBack { .. } => {
            in_state(&[Closed])?;
        }
        Action::Regrade { .. } => {
            official()?;
            in_state(&[Found, Ordered, Fixing, FixReported])?;
        }
    }
    Ok(())
}

fn plan_complete(p: &TreatmentPlan) -> bool {
    [&p.responsibility, &p.measures, &p.funds, &p.contingency].iter().all(|f| !f.trim().is_empty())
}

/// A deadline no earlier than `day` and at most a year after `from`.
fn check_deadline(deadline: Date, day: Date, from: Date) -> Result<(), Refusal> {
    if deadline < day {
        return Err(Refusal::BadDate(format!("deadline {deadline} is in the past")));
    }
    if from.days_until(deadline) > MAX_DEADLINE_DAYS {
        return Err(Refusal::BadDate(format!("deadline {deadline} is more than a year out")));
    }
    Ok(())
}

fn apply(s: &mut HazardStatus, t: &Transition) {
    use HazardState::*;
    match &t.action {
        Action::Order { deadline, responsible } => {
            s.state = Ordered;
            s.deadline = Some(*deadline);
            s.original_deadline.get_or_insert(*deadline);
            s.responsible = Some(responsible.clone());
        }
        Action::StartFix { plan } => {
            s.state = Fixing;
            if plan.is_some() {
                s.plan = plan.clone();
            }
        }
        Action::ReportFix => s.state = FixReported,
        // An accepted fix needs no more time: a request still pending lapses,
        // so it neither lingers on a closed hazard nor comes back to move a
        // later order's deadline after a relapse.
        Action::Recheck { accepted: true } if s.listed.is_some() => {
            s.state = Accepted;
            s.pending_extension = None;
        }
        Action::Recheck { accepted: true } => {
            s.state = Closed;
            s.closed_at = Some(t.at);
            s.pending_extension = None;
        }
        Action::Recheck { accepted: false } => s.state = Fixing,
        Action::RequestExtension { new_deadline, reason } => {
            s.pending_extension = Some(PendingExtension { new_deadline: *new_deadline, reason: reason.clone() });
        }
        Action::DecideExtension { granted } => {
            let pending = s.pending_extension.take();
            if *granted {
                s.deadline = pending.map(|p| p.new_deadline);
            }
        }
        Action::List { level } => s.listed = Some(*level),
        Action::Delist => {
            s.listed = None;
            s.state = Closed;
            s.closed_at = Some(t.at);
        }
        Action::LookBack { relapsed } => {
            s.look_backs += 1;
            if *relapsed {
                // Reopened: it must be ordered afresh, with a new deadline.
                s.relapses += 1;
                s.state = Found;
                s.closed_at = None;
                s.deadline = None;
                s.original_deadline = None;
            }
        }
        Action::Regrade { grade } => s.grade = *grade,
    }
}
