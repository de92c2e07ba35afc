-- title: The playbooks disagree: what your data says
-- description: From the latest model run for the horizon, each point the playbooks disagree on (measured from transcripts): the claim and who makes it, the two sides compared, how many calls (and agents) the comparison rests on, and the change in churn within the horizon of the claim's side over the other in percentage points with its 95% interval and p-value, adjusted like a practice; the same row the Practice impact page puts in words (AIPW, else the logit). No rows before a fit, or when no transcripts were loaded.
-- audience: director, trainer, analyst
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- param: method choice(aipw,logit,naive) = | Method (empty = the row the page shows)
-- Grain: one row per disputed point (per point and method when a method is chosen) of that run.
-- Reads: model_runs, dispute_effects. Percentage points: -2.1 = 2.1 fewer customers lost per 100
-- calls on the claim's side.
WITH latest_run AS (
    SELECT run_id, horizon_days FROM model_runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
),
points AS (
    SELECT d.* FROM dispute_effects d JOIN latest_run USING (run_id)
)
SELECT run_id, horizon, dispute, label, claim, playbooks, counter, treated_label, control_label,
    method, n_calls, n_treated, n_control, n_agents, n_analysed, estimate_pp, ci_low_pp, ci_high_pp,
    p_value, t_df, ci_low_pp <= 0 AND ci_high_pp >= 0 AS interval_includes_zero, note
FROM points
WHERE CASE WHEN $method IS NULL THEN headline ELSE method = $method END
ORDER BY position, method
