-- run_agent_adoption: the rows of agent_adoption for one model run (grain as the table).
-- Reads: agent_adoption. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM agent_adoption WHERE run_id = $run_id
