-- Projects (帮扶项目, issue 12): a project comes from a confirmed match (as
-- before), from an organisation's active pairing, or is recorded directly by
-- the organisation, so its match and demand become optional. It carries the
-- fields of Jiangsu's 附件2 and the plans: nature (项目性质, from the
-- province's list below), 输血/造血, planned and actual funds in fen, people,
-- beneficiaries and their groups, dates, and a stop reason. Progress updates
-- carry the figures so far and their evidence files; the helped county's
-- confirmation (受益方确认) is recorded on the project.
-- SQLite cannot drop NOT NULL in place: the table is rebuilt with the same
-- rows (nothing references it yet), its indexes made again.
CREATE TABLE projects_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    match_id           INTEGER UNIQUE REFERENCES matches (id),
    demand_id          INTEGER REFERENCES demands (id),
    org_id             INTEGER NOT NULL REFERENCES organizations (id),
    region_code        TEXT NOT NULL,
    title              TEXT NOT NULL,
    field              TEXT NOT NULL,
    funds_fen          INTEGER NOT NULL DEFAULT 0,
    people             INTEGER NOT NULL DEFAULT 0,
    beneficiaries      INTEGER NOT NULL DEFAULT 0,
    status             TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    started_at         INTEGER,
    done_at            INTEGER,
    source             TEXT NOT NULL DEFAULT 'match',
    pairing_id         INTEGER REFERENCES pairings (id),
    nature             TEXT NOT NULL DEFAULT '其他',
    mode               TEXT NOT NULL DEFAULT '',
    actual_funds_fen   INTEGER NOT NULL DEFAULT 0,
    beneficiary_groups TEXT NOT NULL DEFAULT '',
    start_date         TEXT NOT NULL DEFAULT '',
    end_date           TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    stop_reason        TEXT NOT NULL DEFAULT '',
    created_by         TEXT NOT NULL DEFAULT '',
    confirmed_by       TEXT NOT NULL DEFAULT '',
    is_demo            BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT projects_status_known CHECK (status = 'planned' OR status = 'in_progress' OR status = 'done' OR status = 'stopped'),
    CONSTRAINT projects_source_known CHECK (source = 'match' OR source = 'pairing' OR source = 'direct'),
    CONSTRAINT projects_figures_not_negative CHECK (funds_fen >= 0 AND actual_funds_fen >= 0 AND people >= 0 AND beneficiaries >= 0)
);
INSERT INTO projects_new (id, match_id, demand_id, org_id, region_code, title, field, funds_fen, people, beneficiaries, status, created_at, started_at, done_at)
    SELECT id, match_id, demand_id, org_id, region_code, title, field, funds_fen, people, beneficiaries, status, created_at, started_at, done_at FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;
CREATE INDEX projects_org ON projects (org_id);
CREATE INDEX projects_done ON projects (done_at);
CREATE UNIQUE INDEX projects_one_per_demand ON projects (demand_id);
CREATE INDEX projects_region ON projects (region_code);
CREATE INDEX projects_updated ON projects (updated_at);

CREATE TABLE project_natures (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- '' for the platform's default list; a province's code for its own.
    province_code TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX project_natures_name ON project_natures (province_code, name);
INSERT INTO project_natures (province_code, name, position) VALUES
    ('', '民生帮扶', 1), ('', '产业帮扶', 2), ('', '消费帮扶', 3), ('', '教育帮扶', 4),
    ('', '生态帮扶', 5), ('', '医疗卫生帮扶', 6), ('', '志愿服务', 7), ('', '其他', 8);

CREATE TABLE project_progress (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    reported_on   TEXT NOT NULL,
    note          TEXT NOT NULL,
    funds_fen     INTEGER NOT NULL DEFAULT 0 CHECK (funds_fen >= 0),
    people        INTEGER NOT NULL DEFAULT 0 CHECK (people >= 0),
    beneficiaries INTEGER NOT NULL DEFAULT 0 CHECK (beneficiaries >= 0),
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX project_progress_project ON project_progress (project_id);

CREATE TABLE project_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    progress_id  INTEGER NOT NULL REFERENCES project_progress (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX project_files_project ON project_files (project_id);
