-- 附件2 files an organisation imported (issue 12): each file once per
-- organisation, known by the SM3 digest of its bytes, so that the same file
-- uploaded again (or sent twice by a double click) records its projects only
-- once. Written in the import's transaction, before its projects: of two
-- uploads of one file at once, the second meets the unique index and writes
-- nothing.
CREATE TABLE project_imports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    digest        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    project_count INTEGER NOT NULL CHECK (project_count > 0),
    imported_by   TEXT NOT NULL,
    imported_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX project_imports_once ON project_imports (org_id, digest);
