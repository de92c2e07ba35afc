-- latest_run: one row (or none before the first fit): the newest 90-day model run.
-- Reads: model_runs. Parameters: none.
SELECT run_id, created_at, as_of, horizon_days, n_calls, n_events, n_left_out, specification, warnings
FROM model_runs
WHERE horizon_days = 90
ORDER BY run_id DESC
LIMIT 1
