-- A project of a confirmed match that its organisation stops gives the demand
-- back to the library: the match is cancelled and the demand published again,
-- so another organisation may take it and its confirmation start a new
-- project for the same demand. One project per demand now holds among the
-- projects that are not stopped; the stopped one keeps its demand for the record.
DROP INDEX projects_one_per_demand;
CREATE UNIQUE INDEX projects_one_per_demand ON projects (demand_id) WHERE status <> 'stopped';
