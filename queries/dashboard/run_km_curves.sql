-- run_km_curves: the rows of km_curves for one model run (grain as the table).
-- Reads: km_curves. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM km_curves WHERE run_id = $run_id
