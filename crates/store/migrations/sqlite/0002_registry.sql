-- Organisation registry: profile, credit lists, self-application, members,
-- actions and enrolment, liaison officers.
ALTER TABLE organizations ADD COLUMN supervisor TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN fields TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN rating TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN party_org BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organizations ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN credit_list TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN credit_list_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN approval TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE organizations ADD COLUMN approval_note TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX organizations_approval ON organizations (approval);

CREATE TABLE org_members (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    credit_code TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX org_members_org ON org_members (org_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX attachments_org ON attachments (org_id);

CREATE TABLE actions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    province_code TEXT NOT NULL,
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    sort          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (province_code, key)
);

CREATE TABLE enrolments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    action_id      INTEGER NOT NULL REFERENCES actions (id),
    contact_name   TEXT NOT NULL,
    contact_title  TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL,
    target_regions TEXT NOT NULL DEFAULT '',
    plan           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (org_id, action_id)
);
CREATE INDEX enrolments_action ON enrolments (action_id);

CREATE TABLE liaison_officers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT NOT NULL REFERENCES regions (code),
    department  TEXT NOT NULL,
    name        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX liaison_officers_region ON liaison_officers (region_code);
