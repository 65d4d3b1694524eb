-- 7: numbers of the documents printed from the dashboard (server/web
-- print_numbers): an inspection's order and re-check get the next number
-- of the issuing office's sequence for the year once, and keep it.
CREATE TABLE document_numbers (
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    office TEXT NOT NULL,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (doc_id, kind)
);
CREATE UNIQUE INDEX document_numbers_sequence ON document_numbers (office, kind, year, seq);
