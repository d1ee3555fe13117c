-- The verifiable log (issue 14, docs/verifiable-log.md): every audit row is a
-- leaf of an append-only SM3 Merkle tree. Leaf i is audit row seq i + 1.
-- log_leaves holds the leaf hashes; a leaf can only exist if the one before
-- it does (prev_idx), so the indexes are unique and without gaps by the
-- schema's own rules. log_nodes holds every complete subtree above the leaves
-- (level >= 1; node (level, idx) covers leaves [idx * 2^level, (idx+1) * 2^level)),
-- which is all a proof reads. Hashes are lowercase hex. Existing audit rows are
-- carried over by the store when it opens (SM3 is not available in SQL).
CREATE TABLE log_leaves (
    idx      INTEGER PRIMARY KEY,
    prev_idx INTEGER UNIQUE REFERENCES log_leaves (idx),
    hash     TEXT NOT NULL,
    CHECK ((idx = 0 AND prev_idx IS NULL) OR (idx > 0 AND prev_idx IS NOT NULL AND prev_idx = idx - 1))
);

CREATE TABLE log_nodes (
    level INTEGER NOT NULL CHECK (level >= 1 AND level < 64),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);

-- A record's receipt is the leaf of its newest audit row.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);

-- Signed checkpoints (C2SP tlog-checkpoint in a signed note), newest last.
CREATE TABLE log_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    size      INTEGER NOT NULL CHECK (size >= 0),
    root      TEXT NOT NULL,
    signed_at INTEGER NOT NULL,
    note      TEXT NOT NULL
);
CREATE INDEX log_checkpoints_size ON log_checkpoints (size);

-- The tree is append-only like the audit trail it commits to.
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
