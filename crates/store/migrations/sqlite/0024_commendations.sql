-- Commendations (表彰, issue 13): a department's commendation — title, 文号, date —
-- and the organisations it commends, each with what it is commended for (its
-- projects or cases, as the document says). Shown on the organisations'
-- profiles. An organisation is commended once per commendation.
CREATE TABLE commendations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    title        TEXT NOT NULL,
    doc_no       TEXT NOT NULL,
    issued_on    TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_unit TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX commendations_region ON commendations (region_code, issued_on);

CREATE TABLE commendation_orgs (
    commendation_id INTEGER NOT NULL REFERENCES commendations (id),
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    citation        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (commendation_id, org_id)
);
CREATE INDEX commendation_orgs_org ON commendation_orgs (org_id);
