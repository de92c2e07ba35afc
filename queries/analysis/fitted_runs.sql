-- fitted_runs: the model runs fitted on exactly the data loaded now: the same loaded batches
-- and the same as-of date. One row per such run, newest first: run_id, horizon_days,
-- specification (the text analysis/specification.py wrote for it), created_at.
-- Reads: model_runs, load_batches, etl_state. Parameters: none.
-- `calmline fit` and `calmline demo` skip a horizon with such a run of the same specification.
WITH loaded AS (
    SELECT coalesce(list(DISTINCT batch_id ORDER BY batch_id), []) AS batch_ids
    FROM load_batches
    WHERE status LIKE 'loaded%'
),
state AS (
    SELECT as_of FROM etl_state
)
SELECT run_id, horizon_days, specification, created_at
FROM model_runs, loaded, state
WHERE model_runs.batch_ids = loaded.batch_ids
  AND model_runs.as_of = state.as_of
ORDER BY run_id DESC
