-- The export to the national monitoring system (issue 14): the layout an
-- administrator keeps (the national template as data; none stored means the
-- shipped example), and every export as a numbered batch per region with
-- who made it, when, for which period, the layout it used, and each row it
-- contained (the row as JSON and its SM3 digest), so that the next batch of
-- the same region and period lists exactly the rows that changed. Two
-- exports of one region never get the same number: the unique index refuses
-- the second, whatever the code does.
CREATE TABLE monitoring_layouts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    definition  TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    INTEGER NOT NULL
);

CREATE TABLE monitoring_batches (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code      TEXT NOT NULL REFERENCES regions (code),
    number           INTEGER NOT NULL CHECK (number > 0),
    period           TEXT NOT NULL,
    layout           TEXT NOT NULL,
    row_count        INTEGER NOT NULL CHECK (row_count >= 0),
    correction_count INTEGER NOT NULL CHECK (correction_count >= 0),
    corrections      TEXT NOT NULL,
    previous_id      INTEGER REFERENCES monitoring_batches (id),
    digest           TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_unit     TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX monitoring_batches_number ON monitoring_batches (region_code, number);
CREATE INDEX monitoring_batches_period ON monitoring_batches (region_code, period, number);

CREATE TABLE monitoring_batch_rows (
    batch_id INTEGER NOT NULL REFERENCES monitoring_batches (id),
    row_key  TEXT NOT NULL,
    position INTEGER NOT NULL,
    content  TEXT NOT NULL,
    digest   TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_key)
);
