-- Login throttling replaces the per-account hard lock: failures are counted per
-- (client address, name), per name from places the account never logged in
-- from, and per client address; each count backs off exponentially.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Where an account has logged in successfully (its owner's usual places).
CREATE TABLE login_places (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    client     TEXT NOT NULL,
    last_ok_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client)
);

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

-- API tokens live an hour and are refreshed up to this instant (the login's
-- last refresh); browser sessions keep 0.
ALTER TABLE sessions ADD COLUMN refresh_until BIGINT NOT NULL DEFAULT 0;
