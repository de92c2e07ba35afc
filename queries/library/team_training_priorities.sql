-- title: Training priorities by team
-- description: From the latest model run for the horizon: per team (and 'all' for the whole centre) each practice ranked by customers retained per month if its adoption rose to the best quarter of agents, with current and target adoption, a 95% CI (agent-cluster bootstrap) and p_top3, the probability it is among the team's top three.
-- audience: trainer, director
-- param: horizon choice(30,90,180) = 90 | The run's horizon in days
-- param: team text = | Team, or all for the whole centre (empty = every team and all)
-- Grain: one row per team and practice of that run (none before a fit), best first per team.
-- Reads: model_runs, training_priorities. Retained per month = effect x adoption gap x monthly
-- upset calls.
WITH latest_run AS (
    SELECT run_id FROM model_runs WHERE horizon_days = $horizon ORDER BY run_id DESC LIMIT 1
),
priorities AS (
    SELECT p.*
    FROM training_priorities p
    JOIN latest_run USING (run_id)
    WHERE $team IS NULL OR p.team = $team
)
SELECT run_id, team, rank, practice, current_adoption, target_adoption, retained_per_month,
    ci_low, ci_high, p_top3, n_agents, n_calls, warning
FROM priorities
ORDER BY team = 'all' DESC, team, rank, practice
