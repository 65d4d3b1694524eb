-- 5: indexes for the supervisors' questions at district scale (measured in
-- BENCHMARKS.md, "Read models"). Open hazards are a small part of all the
-- hazards ever found, and the overview's counts, the overdue lists and the
-- sites' counts ask only about them: a partial index of the open ones,
-- carrying what those questions filter on, so they never touch the rest.
-- Weekly "closed" counts ask by closing time; look-back questions ask
-- inspections by kind.
CREATE INDEX rm_hazards_open ON rm_hazards (found_at, doc_id, area, site_id, grade, state, deadline, listed) WHERE open = 1;
CREATE INDEX rm_hazards_by_closed ON rm_hazards (closed_at);
CREATE INDEX rm_inspections_by_kind ON rm_inspections (kind, doc_id);
