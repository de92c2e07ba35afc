-- title: Effect of offering options by number offered
-- description: One row per number of options offered on upset calls (0, 1, 2, 3+): calls and raw churn within the horizon (closed windows only, for the chosen period and team), beside the latest model run's adjusted churn risk and its difference from the reference level with 95% CI (whole centre, the run's own period).
-- audience: trainer, analyst
-- param: start date = | First call day for the raw figures (empty = from the first call)
-- param: end date = | Last call day for the raw figures (empty = up to the last call)
-- param: team text = | Team for the raw figures (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call; the adjusted figures come from the newest run with this horizon
-- Grain: one row per options band; adjusted columns are NULL before a fit with this horizon.
-- Reads: call_facts, horizon_churn, model_runs, dose_response (factor options_offered).
WITH upset_calls AS (
    SELECT call_id, options_offered
    FROM call_facts
    WHERE is_upset AND options_offered IS NOT NULL
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
latest_run AS (
    SELECT run_id FROM model_runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
),
adjusted AS (
    SELECT d.level, d.reference, d.risk, d.estimate, d.ci_low, d.ci_high, d.p_value, d.warning
    FROM dose_response d
    JOIN latest_run USING (run_id)
    WHERE d.factor = 'options_offered'
),
raw AS (
    SELECT CASE WHEN u.options_offered >= 3 THEN '3+' ELSE u.options_offered::VARCHAR END
            AS level,
        count(*) AS upset_calls,
        count(r.churned) AS closed_windows,
        count(*) FILTER (WHERE r.churned) AS churned,
        avg(r.churned::INT) AS churn_rate
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
    GROUP BY 1
)
SELECT
    r.level AS options_offered, r.upset_calls, r.closed_windows, r.churned, r.churn_rate,
    a.risk AS adjusted_risk, a.reference, a.estimate AS adjusted_difference,
    a.ci_low, a.ci_high, a.p_value, a.warning
FROM raw r
LEFT JOIN adjusted a USING (level)
ORDER BY r.level
