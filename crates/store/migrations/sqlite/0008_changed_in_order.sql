-- Reading what changed a page at a time (store::db::in_pages) walks these rows
-- in order of (updated_at, id) and starts each page right after the last row
-- of the previous one. With updated_at alone, every page would first step over
-- all the rows of the same second already read (a bulk import stamps millions
-- alike), so the index carries the id as well.
DROP INDEX demands_updated;
CREATE INDEX demands_updated ON demands (updated_at, id);
DROP INDEX offers_updated;
CREATE INDEX offers_updated ON offers (updated_at, id);
DROP INDEX organizations_updated;
CREATE INDEX organizations_updated ON organizations (updated_at, id);
