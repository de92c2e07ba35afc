-- title: Training impact (difference in differences)
-- description: From the latest model run for the horizon: for each training module, the change in adoption of its practice (and in churn) for agents trained during the data, from the months before to the months after completion, minus the change for untrained agents over the same months, with an agent-clustered 95% interval.
-- audience: trainer, director, analyst
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- Grain: one row per module and outcome of that run (none before a fit).
-- Reads: model_runs, training_impact.
WITH latest_run AS (
    SELECT run_id FROM model_runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
),
impact AS (
    SELECT i.* FROM training_impact i JOIN latest_run USING (run_id)
)
SELECT run_id, module, practice, outcome, estimate, ci_low, ci_high, p_value, trained_agents,
    comparison_agents, n_calls, trained_before, trained_after, comparison_before, comparison_after,
    warning
FROM impact
ORDER BY module, outcome = 'adoption' DESC, outcome
