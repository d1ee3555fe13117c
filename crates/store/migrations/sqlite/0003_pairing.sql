-- Pairing (结对帮扶): batches, pairings with their steps, group teams, files
-- (signed agreements, adjustment documents), adjustment requests, planning
-- inputs (organisations' willingness, counties' needs, east–west ties), saved
-- plans, and the in-app inbox. Times are Unix seconds; dates are ISO text.

CREATE TABLE pairing_batches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    -- The issuing level: '' national, '53' Yunnan. Adjustments after
    -- publication are approved by civil affairs and rural revitalisation here.
    region_code   TEXT NOT NULL,
    doc_no        TEXT NOT NULL DEFAULT '',
    sign_deadline TEXT NOT NULL,
    published_at  INTEGER,
    published_by  TEXT,
    is_demo       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE pairing_teams (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id    INTEGER NOT NULL REFERENCES pairing_batches (id),
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    lead_org_id INTEGER NOT NULL REFERENCES organizations (id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE pairings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id        INTEGER NOT NULL REFERENCES pairing_batches (id),
    kind            TEXT NOT NULL,
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    -- The organisation's registering region, copied for scope filters.
    org_region      TEXT NOT NULL,
    -- The paired county or village.
    region_code     TEXT NOT NULL REFERENCES regions (code),
    -- The county the target lies in (region_code cut to six digits).
    county_code     TEXT NOT NULL,
    -- Household (by a non-identifying label), village party branch, member enterprise.
    target_label    TEXT NOT NULL DEFAULT '',
    member_id       INTEGER REFERENCES org_members (id),
    team_id         INTEGER REFERENCES pairing_teams (id),
    fields          TEXT NOT NULL DEFAULT '',
    commitments     TEXT NOT NULL DEFAULT '',
    funds_fen       INTEGER NOT NULL DEFAULT 0,
    people          INTEGER NOT NULL DEFAULT 0,
    term_start      TEXT NOT NULL DEFAULT '',
    term_end        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    plan_id         INTEGER,
    proposed_by     TEXT NOT NULL,
    proposed_at     INTEGER NOT NULL,
    org_consent_by  TEXT,
    org_consent_at  INTEGER,
    county_consent_by TEXT,
    county_consent_at INTEGER,
    signed_file_id  INTEGER,
    signed_by       TEXT,
    signed_at       INTEGER,
    activated_by    TEXT,
    activated_at    INTEGER,
    closed_by       TEXT,
    closed_at       INTEGER,
    close_reason    TEXT NOT NULL DEFAULT '',
    -- On the published list from listed_at until delisted_at.
    listed_at       INTEGER,
    delisted_at     INTEGER,
    provenance      TEXT NOT NULL DEFAULT '',
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX pairings_region ON pairings (region_code);
CREATE INDEX pairings_county ON pairings (county_code, status);
CREATE INDEX pairings_org ON pairings (org_id);
CREATE INDEX pairings_org_region ON pairings (org_region);
CREATE INDEX pairings_batch ON pairings (batch_id);

-- Every step of a pairing: who moved it from what to what, and when.
CREATE TABLE pairing_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pairing_id  INTEGER NOT NULL REFERENCES pairings (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pairing_events_pairing ON pairing_events (pairing_id);

CREATE TABLE pairing_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pairing_id   INTEGER REFERENCES pairings (id),
    adjustment_id INTEGER,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX pairing_files_pairing ON pairing_files (pairing_id);
CREATE INDEX pairing_files_adjustment ON pairing_files (adjustment_id);

CREATE TABLE pairing_adjustments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id      INTEGER NOT NULL REFERENCES pairing_batches (id),
    op            TEXT NOT NULL,
    pairing_id    INTEGER REFERENCES pairings (id),
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    kind          TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    target_label  TEXT NOT NULL DEFAULT '',
    fields        TEXT NOT NULL DEFAULT '',
    doc_no        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  INTEGER NOT NULL,
    civil_by      TEXT,
    civil_at      INTEGER,
    rural_by      TEXT,
    rural_at      INTEGER,
    rejected_by   TEXT,
    rejected_at   INTEGER,
    reject_reason TEXT NOT NULL DEFAULT '',
    result_pairing_id INTEGER
);
CREATE INDEX pairing_adjustments_batch ON pairing_adjustments (batch_id, status);

-- How many counties an organisation is willing to pair with, and where.
CREATE TABLE pairing_intents (
    org_id      INTEGER PRIMARY KEY REFERENCES organizations (id),
    capacity    INTEGER NOT NULL,
    -- '、'-joined region codes (provinces or prefectures) it prefers; empty: anywhere.
    preferred   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- A county's needs by field, 0–3, as recorded by its officers.
CREATE TABLE county_needs (
    region_code TEXT NOT NULL REFERENCES regions (code),
    field       TEXT NOT NULL,
    need        INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (region_code, field)
);

-- East–west cooperation ties between provinces (data with a source).
CREATE TABLE cooperation_ties (
    east_code  TEXT NOT NULL,
    west_code  TEXT NOT NULL,
    source     TEXT NOT NULL,
    is_demo    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (east_code, west_code)
);

CREATE TABLE pairing_plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT NOT NULL,
    targets     TEXT NOT NULL,
    params      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_by     TEXT,
    sent_at     INTEGER,
    batch_id    INTEGER REFERENCES pairing_batches (id)
);

CREATE TABLE pairing_plan_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER NOT NULL REFERENCES pairing_plans (id),
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    county_code TEXT NOT NULL,
    fit         INTEGER NOT NULL,
    existing    BOOLEAN NOT NULL,
    removed     BOOLEAN NOT NULL DEFAULT FALSE,
    manual      BOOLEAN NOT NULL DEFAULT FALSE,
    pairing_id  INTEGER
);
CREATE INDEX pairing_plan_items_plan ON pairing_plan_items (plan_id);

-- The in-app inbox. A notice goes to an organisation (all its users) or to
-- the units of one role at one region; it is read once for that recipient.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER REFERENCES organizations (id),
    region_code TEXT,
    role        TEXT,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    dedup_key   TEXT UNIQUE,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notifications_org ON notifications (org_id, created_at);
CREATE INDEX notifications_unit ON notifications (region_code, role, created_at);
