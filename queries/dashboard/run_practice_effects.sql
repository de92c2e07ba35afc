-- run_practice_effects: the rows of practice_effects for one model run (grain as the table).
-- Reads: practice_effects. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM practice_effects WHERE run_id = $run_id
