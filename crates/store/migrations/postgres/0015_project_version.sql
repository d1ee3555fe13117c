-- A project's version, raised by every change to the row, so that an edit made
-- from a form read earlier is written only if nobody changed the project in
-- between (compare-and-set; updated_at counts whole seconds, too coarse to tell
-- two edits in the same second apart).
ALTER TABLE projects ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
