-- One schema truth (issue 11): the schema test (tests/schema_equality.rs) found
-- the one column whose type differed between the two sets. An idempotency
-- key's stored HTTP status was a 4-byte INTEGER here but a 64-bit integer on
-- SQLite, and the code had to read it as i32 on one backend to match the other;
-- every other integer column is BIGINT here. Widening keeps every value.
ALTER TABLE idempotency_keys ALTER COLUMN status TYPE BIGINT;
