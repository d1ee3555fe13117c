-- Group pairing (组团式帮扶): a team (帮扶团) of organisations with a lead, for
-- one or several counties, made of ordinary pairings carrying its id.
-- Each member pairing states the member's share: its role (分工) here, its
-- funds in the pairing's own funds_fen. A team's name is unique in its batch,
-- and a member pairs once with each county of its team. The team's signed
-- agreement is stored once, as a file of the team.
ALTER TABLE pairing_teams ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE pairings ADD COLUMN team_role TEXT NOT NULL DEFAULT '';
ALTER TABLE pairing_files ADD COLUMN team_id INTEGER REFERENCES pairing_teams (id);
CREATE UNIQUE INDEX pairing_teams_name ON pairing_teams (batch_id, name);
CREATE UNIQUE INDEX pairings_team_member ON pairings (team_id, org_id, region_code) WHERE team_id IS NOT NULL;
