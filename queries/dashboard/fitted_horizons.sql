-- fitted_horizons: one row per churn horizon that has been fitted (none before the first fit),
-- describing that horizon's newest model run, in order of horizon. is_default marks the one
-- horizon pages show when none is chosen: $headline when it has been fitted, else the horizon
-- of the newest run of all.
-- Reads: model_runs. Parameters: $headline (days).
WITH runs AS (
    SELECT run_id, created_at, as_of, horizon_days, n_calls, n_events, n_left_out, specification, warnings
    FROM model_runs
),

newest_per_horizon AS (
    SELECT *
    FROM runs
    QUALIFY row_number() OVER (PARTITION BY horizon_days ORDER BY run_id DESC) = 1
),

default_horizon AS (
    SELECT coalesce(
        (SELECT max(horizon_days) FROM runs WHERE horizon_days = $headline),
        (SELECT horizon_days FROM runs ORDER BY run_id DESC LIMIT 1)
    ) AS horizon_days
)

SELECT newest.*, newest.horizon_days = default_horizon.horizon_days AS is_default
FROM newest_per_horizon AS newest
CROSS JOIN default_horizon
ORDER BY newest.horizon_days
