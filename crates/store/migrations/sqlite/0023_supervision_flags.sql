-- Supervision flags (监管预警, issue 13): what the daily job found, kept with
-- its rule, its evidence, when it was raised and when its cause went away,
-- and how the offices handled it. One standing (not yet cleared) flag per
-- rule and record: the partial unique index refuses a second, so two runs of
-- the job at once raise each flag once. Handling moves forward only
-- (open → acknowledged → closed); every step is kept in supervision_flag_steps.
CREATE TABLE supervision_flags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    rule        TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    -- The organisation concerned and its registering region (its registration authority's), if any.
    org_id      INTEGER REFERENCES organizations (id),
    org_region  TEXT,
    -- The county (or reporting unit) concerned.
    region_code TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    raised_at   INTEGER NOT NULL,
    cleared_at  INTEGER,
    status      TEXT NOT NULL DEFAULT 'open',
    updated_at  INTEGER NOT NULL,
    CONSTRAINT supervision_flags_status_known CHECK (status = 'open' OR status = 'acknowledged' OR status = 'closed')
);
CREATE UNIQUE INDEX supervision_flags_standing ON supervision_flags (rule, entity, entity_id) WHERE cleared_at IS NULL;
-- A county's or prefecture's list: its standing flags by either region,
-- found in these partial indexes alone (a province's or the country's list
-- walks the newest flags instead); the history from the plain ones.
CREATE INDEX supervision_flags_standing_region ON supervision_flags (region_code, rule, id) WHERE cleared_at IS NULL AND status <> 'closed';
CREATE INDEX supervision_flags_standing_org ON supervision_flags (org_region, rule, id) WHERE cleared_at IS NULL AND status <> 'closed';
CREATE INDEX supervision_flags_org_region ON supervision_flags (org_region, raised_at);
CREATE INDEX supervision_flags_region ON supervision_flags (region_code, raised_at);

CREATE TABLE supervision_flag_steps (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    flag_id   INTEGER NOT NULL REFERENCES supervision_flags (id),
    step      TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL,
    unit      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    CONSTRAINT supervision_flag_steps_step_known CHECK (step = 'acknowledge' OR step = 'note' OR step = 'close')
);
CREATE INDEX supervision_flag_steps_flag ON supervision_flag_steps (flag_id);

-- Scheduled work that must run once a day whichever server runs it: a server
-- claims the day with a conditional update; a claim not finished within an
-- hour (the server died) may be taken over.
CREATE TABLE daily_jobs (
    name        TEXT PRIMARY KEY,
    day         TEXT NOT NULL,
    claimed_at  INTEGER NOT NULL,
    finished_at INTEGER
);
