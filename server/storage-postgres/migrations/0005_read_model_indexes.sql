-- 5: indexes for the supervisors' questions at district scale (measured in
-- BENCHMARKS.md, "Read models"). Every question is scoped by area, so the
-- indexes the lists and counts walk carry `area`: the scope is checked in
-- the index, never by fetching rows that turn out to be elsewhere.
--
-- Open hazards are a small part of all hazards ever found, and the
-- overview's counts, the overdue lists and the sites' counts ask only
-- about them: two partial indexes of the open ones, one in the lists'
-- order (found_at), one by site for the counts, each carrying what those
-- questions filter and group on (`open` too: SQLite reads an index as
-- covering only if it holds every column the query names). Queries write
-- `open = 1` as a literal so the planner can prove these apply. The
-- (state, deadline) index is replaced by them: over all hazards it made the
-- overdue list fetch and sort every overdue hazard for one page.
DROP INDEX rm_hazards_by_deadline;
CREATE INDEX rm_hazards_open ON rm_hazards (found_at, doc_id, area, site_id, grade, state, deadline, listed, open) WHERE open = 1;
CREATE INDEX rm_hazards_open_by_site ON rm_hazards (site_id, area, grade, state, deadline, found_at, listed, open) WHERE open = 1;
DROP INDEX rm_hazards_by_time;
CREATE INDEX rm_hazards_by_time ON rm_hazards (found_at, doc_id, area);
CREATE INDEX rm_hazards_by_closed ON rm_hazards (closed_at, area);
DROP INDEX rm_inspections_by_time;
CREATE INDEX rm_inspections_by_time ON rm_inspections (started_at, doc_id, area, kind);
DROP INDEX rm_inspections_by_site;
CREATE INDEX rm_inspections_by_site ON rm_inspections (site_id, started_at, area);
CREATE INDEX rm_inspections_by_kind ON rm_inspections (kind, doc_id);
DROP INDEX rm_transitions_by_action;
CREATE INDEX rm_transitions_by_action ON rm_transitions (action, at, area, detail);
