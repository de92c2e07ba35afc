-- effect_changes: one row per practice estimated in both of the last two model runs of a horizon:
-- its total effect on churn (risk difference, probability units) with interval and p-value in the
-- latest run and in the run before.
-- Reads: model_runs, practice_effects. Parameters: $horizon (days), $method (logit | aipw).
WITH runs AS (
    SELECT run_id, created_at, row_number() OVER (ORDER BY run_id DESC) AS age
    FROM model_runs
    WHERE horizon_days = $horizon
),
effects AS (
    SELECT e.run_id, r.age, r.created_at, e.practice, e.estimate, e.ci_low, e.ci_high, e.p_value
    FROM practice_effects e JOIN runs r USING (run_id)
    WHERE r.age <= 2 AND e.method = $method AND e.effect IN ('total', 'landmark')
      AND e.scale = 'risk_difference' AND e.outcome = 'churn_' || $horizon || 'd'
)
SELECT now.practice, now.run_id, before.run_id AS previous_run_id,
    now.estimate, now.ci_low, now.ci_high, now.p_value,
    before.estimate AS previous_estimate, before.ci_low AS previous_ci_low,
    before.ci_high AS previous_ci_high, before.p_value AS previous_p_value
FROM effects now JOIN effects before ON before.practice = now.practice AND before.age = 2
WHERE now.age = 1
ORDER BY now.practice
