-- Witnesses of the verifiable log (issue 14, docs/verifiable-log.md §5): each
-- checkpoint the platform signs is sent to outside parties, which co-sign it
-- only if it extends the one they co-signed before. Their co-signature lines
-- (C2SP tlog-cosignature) are kept beside the checkpoint and served with it;
-- a refusal as a fork is kept as an alarm for the operator.
CREATE TABLE log_cosignatures (
    checkpoint_id INTEGER NOT NULL REFERENCES log_checkpoints (id),
    witness       TEXT NOT NULL,
    signed_time   INTEGER NOT NULL,
    line          TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (checkpoint_id, witness)
);
CREATE INDEX log_cosignatures_witness ON log_cosignatures (witness, checkpoint_id);

CREATE TABLE log_alarms (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    witness       TEXT NOT NULL,
    checkpoint_id INTEGER NOT NULL REFERENCES log_checkpoints (id),
    reason        TEXT NOT NULL,
    raised_at     INTEGER NOT NULL
);
