-- A project may name the special action (专项行动) it is carried out under:
-- a national one or one of the helped province's (issue 12: officers filter
-- projects by action). Empty for projects that name none.
ALTER TABLE projects ADD COLUMN action_id BIGINT REFERENCES actions (id);
CREATE INDEX projects_action ON projects (action_id);
