//! Inspection plans on the server. A supervisor writes a plan (sites chosen
//! one by one, by a filter, or from closed hazards for a look-back); it is
//! expanded with the domain's [`redline_domain::plan::expand`] into one task
//! per site and period, stored beside it and kept in step with every change
//! to the plan. Devices get their tasks with each sync ([`device`]); the
//! dashboard reads progress ([`progress`]).
//!
//! Whether a task is done comes from the read model `rm_task_work` (the
//! inspections started from it, written in each inspection's commit), with
//! the domain's rule for done / due / missed, so it is never stored stale.

pub mod device;
pub mod progress;
mod sql;
mod write;

pub use write::{cancel_plan, create_plan, plan, update_plan};

use redline_domain::people::Person;
use redline_domain::plan::{PlanSpec, PlanStatus};
use redline_domain::site::RiskColour;
use redline_domain::template::SiteCategory;
use redline_domain::time::{Date, Millis};
use redline_storage::StorageError;
use serde::{Deserialize, Serialize};

/// Which sites a plan covers, as the supervisor chose them. Always within
/// the supervisor's own scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum SiteChoice {
    /// These sites, by id.
    Listed { sites: Vec<String> },
    /// Every site matching all the given conditions.
    Filter {
        #[serde(default)]
        category: Option<SiteCategory>,
        /// An area path prefix (a district, a community).
        #[serde(default)]
        area: Option<String>,
        #[serde(default)]
        risk: Option<RiskColour>,
    },
    /// Where hazards were closed in the period (a look-back).
    ClosedHazards {
        #[serde(default)]
        area: Option<String>,
        #[serde(default)]
        closed_from: Option<Date>,
        #[serde(default)]
        closed_until: Option<Date>,
    },
}

/// A plan as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanRecord {
    pub id: String,
    pub spec: PlanSpec,
    /// The chosen sites, resolved to ids when the plan was last written.
    pub sites: Vec<String>,
    pub status: PlanStatus,
    pub created_by: Person,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The form is wrong: the message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// No such plan for this caller (it may exist outside their scope).
    #[error("no such plan")]
    NotFound,
    /// Only supervisors and admins plan work.
    #[error("only supervisors plan inspections")]
    NotAllowed,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<redline_domain::Error> for PlanError {
    fn from(e: redline_domain::Error) -> PlanError {
        PlanError::Invalid(e.to_string())
    }
}

pub type PlanResult<T> = Result<T, PlanError>;

#[cfg(test)]
mod tests;
