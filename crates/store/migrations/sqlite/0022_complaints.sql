-- Complaints and their investigation (issue 13, 投诉举报与查处). Anyone files
-- one with a category, the organisation complained about (or the name of an
-- unregistered group), the place, a description and evidence files; it gets
-- an unguessable receipt number (unique) and is routed to the civil-affairs
-- office of `office_code`. The complainant's name and phone are stored only
-- sealed (SM4-GCM, empty when anonymous). `due_on` is the Beijing date by
-- which it should be closed, so that "open past its deadline" is a query on
-- (status, due_on). The status and the outcome agree by constraint: an open
-- complaint has no outcome, a decided one (rectifying or closed) has one.
-- Every step of the handling is an entry; files belong to the complaint
-- (entry_id NULL: the complainant's evidence) or to one entry.
CREATE TABLE complaints (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt              TEXT NOT NULL UNIQUE,
    category             TEXT NOT NULL,
    org_id               INTEGER REFERENCES organizations (id),
    org_name             TEXT NOT NULL,
    place_code           TEXT NOT NULL,
    office_code          TEXT NOT NULL REFERENCES regions (code),
    description          TEXT NOT NULL,
    anonymous            BOOLEAN NOT NULL,
    contact_name_sealed  TEXT NOT NULL,
    contact_phone_sealed TEXT NOT NULL,
    status               TEXT NOT NULL,
    handler_id           INTEGER REFERENCES users (id),
    handler_name         TEXT NOT NULL DEFAULT '',
    shared_with_org      BOOLEAN NOT NULL DEFAULT FALSE,
    filed_at             INTEGER NOT NULL,
    due_on               TEXT NOT NULL,
    outcome              TEXT NOT NULL DEFAULT '',
    outcome_summary      TEXT NOT NULL DEFAULT '',
    rectify_deadline     TEXT NOT NULL DEFAULT '',
    doc_no               TEXT NOT NULL DEFAULT '',
    transfer_date        TEXT NOT NULL DEFAULT '',
    outcome_unit         TEXT NOT NULL DEFAULT '',
    credit_list          TEXT NOT NULL DEFAULT '',
    credit_doc_no        TEXT NOT NULL DEFAULT '',
    decided_at           INTEGER,
    closed_at            INTEGER,
    updated_at           INTEGER NOT NULL,
    CONSTRAINT complaints_category_known CHECK (category = 'fees' OR category = 'fundraising' OR category = 'levy' OR category = 'false_claims' OR category = 'funds' OR category = 'illegal' OR category = 'other'),
    CONSTRAINT complaints_status_known CHECK (status = 'received' OR status = 'investigating' OR status = 'awaiting_answer' OR status = 'rectifying' OR status = 'closed'),
    CONSTRAINT complaints_outcome_known CHECK (outcome = '' OR outcome = 'unfounded' OR outcome = 'rectification' OR outcome = 'penalty' OR outcome = 'transfer' OR outcome = 'illegal_org'),
    CONSTRAINT complaints_outcome_iff_decided CHECK ((outcome = '' AND (status = 'received' OR status = 'investigating' OR status = 'awaiting_answer')) OR (outcome <> '' AND (status = 'rectifying' OR status = 'closed'))),
    CONSTRAINT complaints_credit_list_known CHECK (credit_list = '' OR credit_list = 'abnormal' OR credit_list = 'serious'),
    CONSTRAINT complaints_contact_unless_anonymous CHECK (anonymous OR contact_name_sealed <> '')
);
CREATE INDEX complaints_office ON complaints (office_code, status);
CREATE INDEX complaints_due ON complaints (status, due_on);
CREATE INDEX complaints_org ON complaints (org_id);

CREATE TABLE complaint_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    kind         TEXT NOT NULL,
    note         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    unit         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    CONSTRAINT complaint_entries_kind_known CHECK (kind = 'assign' OR kind = 'step' OR kind = 'ask' OR kind = 'answer' OR kind = 'close' OR kind = 'follow_up')
);
CREATE INDEX complaint_entries_complaint ON complaint_entries (complaint_id, id);

CREATE TABLE complaint_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    entry_id     INTEGER REFERENCES complaint_entries (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX complaint_files_complaint ON complaint_files (complaint_id);
