-- freshness: one row: the as-of date, the first and last call day, the last load and the last
-- model run (its id, horizon and when it was made).
-- Reads: etl_state, calls, load_batches, model_runs. Parameters: none.
SELECT (SELECT as_of FROM etl_state) AS as_of,
    (SELECT min(CAST(started_at AS DATE)) FROM calls) AS first_call,
    (SELECT max(CAST(started_at AS DATE)) FROM calls) AS last_call,
    (SELECT max(finished_at) FROM load_batches) AS last_load,
    (SELECT max(created_at) FROM model_runs) AS last_fit,
    (SELECT count(*) FROM calls) AS calls
