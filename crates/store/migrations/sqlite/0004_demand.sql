-- Demand and supply libraries, matching (点单 / 接单) and the projects that
-- confirmed matches start. Times are Unix seconds; dates are ISO text; money
-- is in fen (1 万元 = 1,000,000 fen).

CREATE TABLE demands (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    field             TEXT NOT NULL,
    target_kind       TEXT NOT NULL,
    region_code       TEXT NOT NULL REFERENCES regions (code),
    county_code       TEXT NOT NULL,
    beneficiary_group TEXT NOT NULL DEFAULT '',
    beneficiary_count INTEGER NOT NULL DEFAULT 0,
    funds_fen         INTEGER NOT NULL DEFAULT 0,
    mode              TEXT NOT NULL,
    urgency           INTEGER NOT NULL DEFAULT 1,
    deadline          TEXT NOT NULL DEFAULT '',
    is_wish           BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_phone     TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    -- The recording unit's region: approval goes to its superior or its civil affairs.
    unit_region       TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    submitted_at      INTEGER,
    published_at      INTEGER,
    published_by      TEXT,
    matched_at        INTEGER,
    started_at        INTEGER,
    done_at           INTEGER,
    closed_at         INTEGER,
    close_reason      TEXT NOT NULL DEFAULT '',
    provenance        TEXT NOT NULL DEFAULT '',
    is_demo           BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX demands_region ON demands (region_code);
CREATE INDEX demands_status ON demands (status);
CREATE INDEX demands_published ON demands (published_at);
CREATE INDEX demands_updated ON demands (updated_at);

CREATE TABLE demand_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id   INTEGER NOT NULL REFERENCES demands (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX demand_events_demand ON demand_events (demand_id);

-- A household's personal data: sealed with SM4-GCM, and masked for display.
CREATE TABLE demand_households (
    demand_id    INTEGER PRIMARY KEY REFERENCES demands (id),
    name_sealed  TEXT NOT NULL,
    id_sealed    TEXT NOT NULL,
    phone_sealed TEXT NOT NULL,
    name_masked  TEXT NOT NULL,
    id_masked    TEXT NOT NULL,
    phone_masked TEXT NOT NULL
);

CREATE TABLE demand_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id    INTEGER NOT NULL REFERENCES demands (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX demand_files_demand ON demand_files (demand_id);

CREATE TABLE offers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    org_region     TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    fields         TEXT NOT NULL,
    -- '、'-joined region codes; empty: anywhere.
    target_regions TEXT NOT NULL DEFAULT '',
    funds_fen      INTEGER NOT NULL DEFAULT 0,
    people         INTEGER NOT NULL DEFAULT 0,
    period_start   TEXT NOT NULL DEFAULT '',
    period_end     TEXT NOT NULL DEFAULT '',
    capacity       INTEGER NOT NULL DEFAULT 1,
    status         TEXT NOT NULL,
    hidden_reason  TEXT NOT NULL DEFAULT '',
    featured       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    is_demo        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX offers_org ON offers (org_id);
CREATE INDEX offers_updated ON offers (updated_at);

CREATE TABLE matches (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id      INTEGER NOT NULL REFERENCES demands (id),
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    offer_id       INTEGER REFERENCES offers (id),
    -- 'org': the organisation took the demand (接单); 'county': the county ordered from an offer (点单).
    initiated_by   TEXT NOT NULL,
    status         TEXT NOT NULL,
    funds_fen      INTEGER NOT NULL DEFAULT 0,
    people         INTEGER NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT '',
    score          INTEGER NOT NULL DEFAULT 0,
    reasons        TEXT NOT NULL DEFAULT '',
    proposed_by    TEXT NOT NULL,
    proposed_at    INTEGER NOT NULL,
    decided_by     TEXT,
    decided_at     INTEGER,
    decline_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX matches_demand ON matches (demand_id);
CREATE INDEX matches_org ON matches (org_id);
CREATE INDEX matches_offer ON matches (offer_id, status);

CREATE TABLE projects (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    match_id      INTEGER NOT NULL UNIQUE REFERENCES matches (id),
    demand_id     INTEGER NOT NULL REFERENCES demands (id),
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    region_code   TEXT NOT NULL,
    title         TEXT NOT NULL,
    field         TEXT NOT NULL,
    funds_fen     INTEGER NOT NULL DEFAULT 0,
    people        INTEGER NOT NULL DEFAULT 0,
    beneficiaries INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    done_at       INTEGER
);
CREATE INDEX projects_org ON projects (org_id);

-- The catalogues sync by `updated_at` before each request: keep those reads indexed.
CREATE INDEX organizations_updated ON organizations (updated_at);
CREATE INDEX pairing_intents_updated ON pairing_intents (updated_at);
CREATE INDEX pairings_updated ON pairings (updated_at);
CREATE INDEX projects_done ON projects (done_at);
