-- freshness: one row: the as-of date, the last load and the last model run.
-- Reads: etl_state, load_batches, model_runs. Parameters: none.
SELECT (SELECT as_of FROM etl_state) AS as_of,
    (SELECT max(finished_at) FROM load_batches) AS last_load,
    (SELECT max(created_at) FROM model_runs) AS last_fit,
    (SELECT count(*) FROM calls) AS calls
