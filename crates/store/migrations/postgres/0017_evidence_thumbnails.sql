-- The thumbnail of an evidence picture (JPG or PNG), at most 240 px on the
-- longer side, made once at upload so the project's page shows small pictures
-- instead of the full photos. Empty for PDFs, for pictures uploaded before,
-- and for pictures too large or unreadable to be thumbnailed (linked instead).
ALTER TABLE project_files ADD COLUMN thumbnail BYTEA;
