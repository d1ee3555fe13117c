-- The half-year cycle (调度, issue 12): a report a department collects, the
-- units that fill it, every step of every round, and the table definitions
-- administrators upload. A report keeps the definitions of its tables as
-- they were when it was defined (JSON), so a later upload never changes a
-- running report. A unit's figures are kept as submitted (JSON per table)
-- and cannot change while the report is approved: the trigger refuses it,
-- whatever the code does.
CREATE TABLE report_tables (
    key         TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    collector_code TEXT NOT NULL REFERENCES regions (code),
    title          TEXT NOT NULL,
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    levels         TEXT NOT NULL,
    tables         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    CONSTRAINT reports_period CHECK (period_from <= period_to)
);
CREATE INDEX reports_collector ON reports (collector_code);

CREATE TABLE report_units (
    report_id          INTEGER NOT NULL REFERENCES reports (id),
    unit_code          TEXT NOT NULL,
    reviewer_code      TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending',
    round              INTEGER NOT NULL DEFAULT 0,
    progress           TEXT NOT NULL DEFAULT '',
    difficulties       TEXT NOT NULL DEFAULT '',
    experience         TEXT NOT NULL DEFAULT '',
    corrections        TEXT NOT NULL DEFAULT '[]',
    figures            TEXT NOT NULL DEFAULT '',
    first_submitted_at INTEGER,
    submitted_at       INTEGER,
    approved_at        INTEGER,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (report_id, unit_code),
    CONSTRAINT report_units_status_known CHECK (status = 'pending' OR status = 'submitted' OR status = 'returned' OR status = 'approved' OR status = 'reopen_requested')
);
CREATE INDEX report_units_reviewer ON report_units (report_id, reviewer_code);

CREATE TABLE report_steps (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    unit_code TEXT NOT NULL,
    round     INTEGER NOT NULL,
    step      TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    CONSTRAINT report_steps_step_known CHECK (step = 'submit' OR step = 'approve' OR step = 'return' OR step = 'request_reopen' OR step = 'grant_reopen' OR step = 'refuse_reopen')
);
CREATE INDEX report_steps_unit ON report_steps (report_id, unit_code);

CREATE TRIGGER report_units_locked BEFORE UPDATE ON report_units
WHEN (OLD.status = 'approved' OR OLD.status = 'reopen_requested') AND NEW.figures IS NOT OLD.figures
BEGIN SELECT RAISE(ABORT, 'the figures of an approved report are locked'); END;
