-- title: Coaching queue
-- description: From the latest model run for the horizon: agents ranked by the customers per month they would keep by closing their biggest practice gap (their shrunken adoption vs the centre's best-quarter target), with the practice, the calls behind it and 95% intervals; team_level marks a practice most of a team needs.
-- audience: trainer
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- param: team text = | Team (empty = all teams)
-- Grain: one row per agent and team of that run (none before a fit), queue order.
-- Reads: model_runs, agent_coaching. Kept per month = -effect x gap x the agent's upset calls per month.
WITH latest_run AS (
    SELECT run_id FROM model_runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
),
queue AS (
    SELECT c.*
    FROM agent_coaching c
    JOIN latest_run USING (run_id)
    WHERE $team IS NULL OR c.team = $team
)
SELECT run_id, queue_rank, agent_id, team, needs_most, n_calls, adoption, adoption_ci_low,
    adoption_ci_high, target_adoption, kept_per_month, ci_low, ci_high, upset_calls, team_share,
    team_level, warning
FROM queue
ORDER BY queue_rank NULLS LAST, agent_id
