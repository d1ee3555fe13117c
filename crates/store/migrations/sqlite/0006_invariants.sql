-- Invariants the database holds itself, so that two requests at the same
-- moment cannot break them (issue 10), and the stored answers of writes sent
-- with an Idempotency-Key.
--
-- Earlier versions checked these rules in application code only, and two
-- requests at once could both pass the check. What such races left behind is
-- repaired first, keeping the earliest record and saying why on the others:
-- - a second pending take by the same organisation of the same demand is declined;
-- - a second confirmed match of one demand is cancelled and the project it
--   started removed (the demand keeps its first match and project);
-- - an offer with more confirmed matches than its capacity keeps them, and its
--   capacity is raised to that number (the matches were really made).

UPDATE matches SET status = 'declined', decided_at = CAST(strftime('%s', 'now') AS INTEGER),
    decline_reason = '重复的待确认对接（系统升级时清理）'
WHERE status = 'pending' AND EXISTS (
    SELECT 1 FROM matches e WHERE e.demand_id = matches.demand_id AND e.org_id = matches.org_id
    AND e.status = 'pending' AND e.id < matches.id);
CREATE UNIQUE INDEX matches_one_pending_per_org ON matches (demand_id, org_id) WHERE status = 'pending';

DELETE FROM projects WHERE match_id IN (
    SELECT m.id FROM matches m WHERE m.status = 'confirmed' AND EXISTS (
        SELECT 1 FROM matches e WHERE e.demand_id = m.demand_id AND e.status = 'confirmed' AND e.id < m.id));
UPDATE matches SET status = 'cancelled',
    decline_reason = '同一需求已有先确认的对接，本次重复确认已撤销（系统升级时清理）'
WHERE status = 'confirmed' AND EXISTS (
    SELECT 1 FROM matches e WHERE e.demand_id = matches.demand_id AND e.status = 'confirmed' AND e.id < matches.id);
CREATE UNIQUE INDEX matches_one_confirmed_per_demand ON matches (demand_id) WHERE status = 'confirmed';

DELETE FROM projects WHERE EXISTS (
    SELECT 1 FROM projects e WHERE e.demand_id = projects.demand_id AND e.id < projects.id);
CREATE UNIQUE INDEX projects_one_per_demand ON projects (demand_id);

-- An offer's confirmed matches, counted where confirmation takes the row lock.
UPDATE offers SET capacity = (SELECT COUNT(*) FROM matches m WHERE m.offer_id = offers.id AND m.status = 'confirmed')
WHERE capacity < (SELECT COUNT(*) FROM matches m WHERE m.offer_id = offers.id AND m.status = 'confirmed');
ALTER TABLE offers ADD COLUMN taken INTEGER NOT NULL DEFAULT 0
    CONSTRAINT offers_taken_within_capacity CHECK (taken >= 0 AND taken <= capacity);
UPDATE offers SET taken = (SELECT COUNT(*) FROM matches m WHERE m.offer_id = offers.id AND m.status = 'confirmed');

-- Answers to writes sent with an Idempotency-Key, per caller, kept 24 hours:
-- a repeat with the same key and the same request gets the stored answer.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL REFERENCES users (id),
    idem_key     TEXT NOT NULL,
    -- 'POST /api/v1/demands/7/take'
    request      TEXT NOT NULL,
    -- SM3 of the request body.
    body_hash    TEXT NOT NULL,
    -- 0 while the first request is still running.
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB NOT NULL DEFAULT X'',
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
