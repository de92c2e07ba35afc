-- title: What the data cannot rule out, per practice
-- description: For the newest model run of the horizon: each practice's main estimate (AIPW, else logit) with its E-value and its interval's E-value, Cinelli and Hazlett's robustness values, whether an unrecorded trait as strong as the strongest measured covariate would explain it away, the within-agent (agent fixed effects) estimate and whether it disagrees, and all of it in words (reading), as the Practice impact page shows it.
-- audience: director, analyst
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- param: practice practice = | Practice (empty = all)
-- Grain: one row per practice and effect of that run (none before a fit).
-- Reads: model_runs, practice_sensitivity. Risk differences are in probability units (-0.03 =
-- 3 points less churn); E-values are risk ratios; robustness values are shares of variance.
WITH runs AS (
    SELECT run_id, created_at, as_of, horizon_days FROM model_runs
),
sensitivity AS (
    SELECT * FROM practice_sensitivity
),
latest AS (
    SELECT * FROM runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
)
SELECT
    l.run_id, l.created_at, l.as_of, l.horizon_days,
    s.practice, s.effect, s.method, s.estimate, s.ci_low, s.ci_high, s.baseline_risk, s.risk_ratio,
    s.e_value, s.e_value_ci, s.rv, s.rv_alpha, s.benchmark, s.benchmark_estimate, s.benchmark_ci_low,
    s.benchmark_ci_high, s.benchmark_explains_away, s.within_estimate, s.within_ci_low,
    s.within_ci_high, s.within_agents, s.within_disagrees, s.reading, s.warning
FROM latest l
JOIN sensitivity s USING (run_id)
WHERE ($practice IS NULL OR s.practice = $practice)
ORDER BY s.practice, s.effect
