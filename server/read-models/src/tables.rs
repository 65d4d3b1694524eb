//! The read-model tables' columns, named once for the writers in
//! `derive` and the queries in `query`. Each backend creates the same tables
//! in its migration `0003_read_models.sql`; the story tests write and read
//! every one of them on both, so a column missing on either fails there.
//!
//! Every table has `doc_id` first; "placed" tables end with the document's
//! `site_id` and `area`, so each can be scoped without a join.

pub struct Table {
    pub name: &'static str,
    /// Columns after `doc_id` and before `site_id`, `area`.
    pub cols: &'static [&'static str],
    pub placed: bool,
}

impl Table {
    pub fn columns(&self) -> Vec<&'static str> {
        let mut all = vec!["doc_id"];
        all.extend_from_slice(self.cols);
        if self.placed {
            all.extend_from_slice(&["site_id", "area"]);
        }
        all
    }
}

pub const INSPECTIONS: Table = Table {
    name: "rm_inspections",
    cols: &[
        "site_name",
        "kind",
        "template_id",
        "template_version",
        "status",
        "started_at",
        "finished_at",
        "day",
        "created_by",
        "created_by_name",
        "submitted_by_name",
        "inspector_names",
        "outcome",
        "score",
        "visible",
        "answered",
        "passed",
        "failed",
        "not_applicable",
        "failed_critical",
        "failed_key",
        "failed_general",
        "major",
        "findings",
        "photos",
        "conflicts",
        "lat",
        "lon",
        "search",
    ],
    placed: true,
};

pub const ANSWERS: Table = Table {
    name: "rm_answers",
    cols: &["item_id", "section_id", "value", "result", "importance", "major_hazard", "note", "by_id", "by_name", "at"],
    placed: true,
};

pub const FINDINGS: Table = Table {
    name: "rm_findings",
    cols: &["finding_id", "item_id", "description", "grade", "deadline", "responsible", "by_id", "by_name", "at", "lat", "lon"],
    placed: true,
};

pub const SIGNATURES: Table =
    Table { name: "rm_signatures", cols: &["sig_id", "signer_name", "role", "image_hash", "by_id", "by_name", "at"], placed: true };

pub const PHOTOS: Table = Table {
    name: "rm_photos",
    cols: &[
        "photo_id",
        "hash",
        "thumb_hash",
        "owner_kind",
        "owner_id",
        "taken_at",
        "lat",
        "lon",
        "by_id",
        "by_name",
        "width",
        "height",
        "size",
    ],
    placed: true,
};

pub const CONFLICTS: Table = Table { name: "rm_conflicts", cols: &["path", "doc_kind", "conflict_values"], placed: true };

pub const HAZARDS: Table = Table {
    name: "rm_hazards",
    cols: &[
        "site_name",
        "inspection_id",
        "finding_id",
        "item_id",
        "description",
        "grade",
        "state",
        "open",
        "deadline",
        "original_deadline",
        "responsible",
        "listed",
        "pending_extension",
        "look_backs",
        "relapses",
        "found_by",
        "found_by_name",
        "found_at",
        "closed_at",
        "last_at",
        "lat",
        "lon",
        "search",
    ],
    placed: true,
};

pub const TRANSITIONS: Table = Table {
    name: "rm_transitions",
    cols: &["seq", "transition_id", "action", "detail", "by_id", "by_name", "role", "at", "note", "evidence"],
    placed: true,
};

/// Who took part in a document, and as what (`creator`, `inspector`,
/// `finder`, `transition`): the inspector filter and the people list.
pub const PEOPLE: Table = Table { name: "rm_people", cols: &["user_id", "name", "part"], placed: true };

/// The inspections started from a plan's task (migration 6): the first
/// submitted one does the task (`redline_domain::plan`).
pub const TASK_WORK: Table =
    Table { name: "rm_task_work", cols: &["task_id", "status", "finished_at", "done_day", "created_by", "created_by_name"], placed: true };

pub const ALL: &[&Table] =
    &[&INSPECTIONS, &ANSWERS, &FINDINGS, &SIGNATURES, &PHOTOS, &CONFLICTS, &HAZARDS, &TRANSITIONS, &PEOPLE, &TASK_WORK];
