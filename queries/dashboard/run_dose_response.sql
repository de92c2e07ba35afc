-- run_dose_response: the rows of dose_response for one model run (grain as the table).
-- Reads: dose_response. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM dose_response WHERE run_id = $run_id
