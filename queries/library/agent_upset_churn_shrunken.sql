-- title: Agents whose upset-call customers churn most (shrunken)
-- description: One row per agent, ranked by shrunken churn rate after their upset calls: calls with a closed window, churned, the raw rate and the empirical-Bayes rate (churned + k * p) / (calls + k), a beta-binomial posterior mean pulled towards the overall rate p with prior strength k, so an agent with few calls is neither top nor bottom by luck.
-- audience: director, trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- param: prior_strength float = | Prior strength k in calls (empty = estimated from how much agents' rates vary beyond chance)
-- Grain: one row per agent with at least one upset call whose window has closed.
-- Reads: call_facts, horizon_churn. The estimated k is the method-of-moments fit of a
-- Beta prior: k = p (1 - p) / v - 1, with v the variance of agents' raw rates minus the part
-- binomial noise explains (p (1 - p) times the mean of 1 / calls); at least 1, at most all
-- the calls, and all the calls (every agent at the overall rate) when v <= 0. A given k
-- below 0 counts as 0 (raw rates).
WITH upset_calls AS (
    SELECT call_id, agent_id, coalesce(team, 'unassigned') AS team
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
per_agent AS (
    SELECT u.agent_id, u.team, count(*) AS calls, count(*) FILTER (WHERE r.churned) AS churned
    FROM upset_calls u
    JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
    WHERE r.churned IS NOT NULL
    GROUP BY u.agent_id, u.team
),
overall AS (
    SELECT sum(churned) / sum(calls) AS rate, sum(calls) AS total_calls,
        coalesce(var_samp(churned / calls), 0) AS raw_variance, avg(1 / calls) AS mean_inverse_calls
    FROM per_agent
),
prior AS (
    SELECT rate,
        CASE WHEN $prior_strength IS NOT NULL THEN greatest($prior_strength, 0)
             WHEN raw_variance - rate * (1 - rate) * mean_inverse_calls > 0
             THEN least(total_calls, greatest(1, rate * (1 - rate)
                  / (raw_variance - rate * (1 - rate) * mean_inverse_calls) - 1))
             ELSE total_calls END AS strength
    FROM overall
),
shrunk AS (
    SELECT a.agent_id, a.team, a.calls, a.churned, a.churned / a.calls AS raw_rate,
        (a.churned + p.strength * p.rate) / (a.calls + p.strength) AS shrunken_rate,
        p.rate AS overall_rate, p.strength AS prior_strength
    FROM per_agent a, prior p
)
SELECT
    row_number() OVER (ORDER BY shrunken_rate DESC, calls DESC, agent_id) AS rank,
    agent_id, team, calls, churned, raw_rate, shrunken_rate, overall_rate, prior_strength
FROM shrunk
ORDER BY rank
