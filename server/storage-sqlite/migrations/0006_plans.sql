-- 6: inspection plans and their tasks (server/plans). A plan is what a
-- supervisor wrote; its tasks are one per site and period, kept in step
-- with the plan by every change to it. Whether a task is done is not
-- stored here: rm_task_work (a read model, written in each inspection's
-- commit) holds the inspections started from a task, and the first
-- submitted one does it.
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    template_id TEXT NOT NULL,
    assignee_kind TEXT NOT NULL,
    assignee_user TEXT,
    repeats TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    notes TEXT NOT NULL,
    sites TEXT NOT NULL,              -- JSON array of site ids
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE plan_tasks (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    site_name TEXT NOT NULL,
    area TEXT NOT NULL,
    kind TEXT NOT NULL,
    template_id TEXT NOT NULL,
    assignee_kind TEXT NOT NULL,
    assignee_user TEXT,
    starts_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE INDEX plan_tasks_by_plan ON plan_tasks (plan_id, due_on);
CREATE INDEX plan_tasks_by_user ON plan_tasks (assignee_user, due_on);
CREATE INDEX plan_tasks_by_area ON plan_tasks (area, due_on);
CREATE TABLE rm_task_work (
    doc_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    status TEXT NOT NULL,
    finished_at INTEGER,
    done_day TEXT,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL
);
CREATE INDEX rm_task_work_by_doc ON rm_task_work (doc_id);
CREATE INDEX rm_task_work_by_task ON rm_task_work (task_id, done_day);
