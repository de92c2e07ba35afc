-- title: Latest model run's practice effects
-- description: Every estimate of the newest model run for the horizon: per practice, method (aipw, logit, cox, naive) and effect (total, or direct = adjusted for resolved), the estimate on its scale with its standard error and 95% CI (t_df: degrees of freedom of the t reference when agents were few), p- and q-value, calls with and without the practice, calls in the model and analysed after trimming, the minimum detectable effect with the design effect it used, and any warning.
-- audience: director, analyst
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- param: method choice(aipw,logit,cox,naive) = | Method (empty = all)
-- param: practice practice = | Practice (empty = all)
-- Grain: one row per practice, method, effect and scale of that run (none before a fit).
-- Reads: model_runs, practice_effects. Risk differences are in probability units (-0.03 =
-- 3 points less churn); odds and hazard ratios below 1 mean less churn.
WITH runs AS (
    SELECT run_id, created_at, as_of, horizon_days FROM model_runs
),
effects AS (
    SELECT * FROM practice_effects
),
latest AS (
    SELECT * FROM runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
)
SELECT
    l.run_id, l.created_at, l.as_of, l.horizon_days,
    e.practice, e.method, e.effect, e.outcome, e.scale, e.estimate, e.ci_low, e.ci_high,
    e.std_error, e.t_df, e.p_value, e.q_value, e.n_with, e.n_without, e.n_calls, e.n_analysed,
    e.n_trimmed, e.mde, e.design_effect, e.warning
FROM latest l
JOIN effects e USING (run_id)
WHERE ($method IS NULL OR e.method = $method)
  AND ($practice IS NULL OR e.practice = $practice)
ORDER BY e.practice, e.method, e.effect, e.scale
