-- 3: read models. Relational rows of every merged document, written in
-- the document's commit transaction (see server/read-models): what the
-- supervisors' lists, overview, API and exports query, so none of them
-- loads documents. Overdue is not a column: it depends on the day asked.
-- `redline-server admin rebuild-read-models` refills them from the
-- documents; a database upgraded to this version starts with them empty
-- and is filled by that command.
CREATE TABLE rm_inspections (
    doc_id TEXT NOT NULL,
    site_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    day TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    submitted_by_name TEXT,
    inspector_names TEXT NOT NULL,
    outcome TEXT,
    score DOUBLE PRECISION,
    visible BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    passed BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    not_applicable BIGINT NOT NULL,
    failed_critical BIGINT NOT NULL,
    failed_key BIGINT NOT NULL,
    failed_general BIGINT NOT NULL,
    major BIGINT NOT NULL,
    findings BIGINT NOT NULL,
    photos BIGINT NOT NULL,
    conflicts BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    search TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id));
CREATE TABLE rm_answers (
    doc_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    section_id TEXT,
    value TEXT NOT NULL,
    result TEXT,
    importance TEXT,
    major_hazard TEXT,
    note TEXT,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, item_id));
CREATE TABLE rm_findings (
    doc_id TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    item_id TEXT,
    description TEXT NOT NULL,
    grade TEXT NOT NULL,
    deadline TEXT,
    responsible TEXT,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, finding_id));
CREATE TABLE rm_signatures (
    doc_id TEXT NOT NULL,
    sig_id TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    role TEXT NOT NULL,
    image_hash TEXT NOT NULL,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, sig_id));
CREATE TABLE rm_photos (
    doc_id TEXT NOT NULL,
    photo_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    thumb_hash TEXT,
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size BIGINT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, photo_id));
CREATE TABLE rm_conflicts (
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    doc_kind TEXT NOT NULL,
    conflict_values TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, path));
CREATE TABLE rm_hazards (
    doc_id TEXT NOT NULL,
    site_name TEXT NOT NULL,
    inspection_id TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    item_id TEXT,
    description TEXT NOT NULL,
    grade TEXT NOT NULL,
    state TEXT NOT NULL,
    open BIGINT NOT NULL,
    deadline TEXT,
    original_deadline TEXT,
    responsible TEXT,
    listed TEXT,
    pending_extension BIGINT NOT NULL,
    look_backs BIGINT NOT NULL,
    relapses BIGINT NOT NULL,
    found_by TEXT NOT NULL,
    found_by_name TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    closed_at BIGINT,
    last_at BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    search TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id));
CREATE TABLE rm_transitions (
    doc_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    transition_id TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    role TEXT NOT NULL,
    at BIGINT NOT NULL,
    note TEXT NOT NULL,
    evidence TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq));
CREATE TABLE rm_people (
    doc_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    part TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    PRIMARY KEY (doc_id, user_id, part));
CREATE INDEX rm_inspections_by_time ON rm_inspections (started_at, doc_id);
CREATE INDEX rm_inspections_by_area ON rm_inspections (area, started_at);
CREATE INDEX rm_inspections_by_site ON rm_inspections (site_id, started_at);
CREATE INDEX rm_hazards_by_time ON rm_hazards (found_at, doc_id);
CREATE INDEX rm_hazards_by_area ON rm_hazards (area, found_at);
CREATE INDEX rm_hazards_by_site ON rm_hazards (site_id, found_at);
CREATE INDEX rm_hazards_by_deadline ON rm_hazards (state, deadline);
CREATE INDEX rm_hazards_by_inspection ON rm_hazards (inspection_id);
CREATE INDEX rm_findings_by_site ON rm_findings (site_id, at);
CREATE INDEX rm_answers_by_site ON rm_answers (site_id, at);
CREATE INDEX rm_transitions_by_action ON rm_transitions (action, at);
CREATE INDEX rm_people_by_user ON rm_people (user_id);
CREATE INDEX rm_photos_by_hash ON rm_photos (hash);
