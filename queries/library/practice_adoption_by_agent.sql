-- title: Practice adoption by agent
-- description: One row per agent and practice: upset calls, how many QA assessed for the practice, how many used it, the agent's adoption rate and their team's rate for comparison.
-- audience: trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: practice practice = | Practice (empty = every practice)
-- Grain: one row per agent and practice, over the agent's upset calls (anger_level >= 3).
-- Reads: call_facts, call_practices. Every practice of the vocabulary (the practices table), as
-- `calmline fit` scores it; used is NULL where the practice was not assessed.
-- Adoption = used / assessed.
WITH upset_calls AS (
    SELECT call_id, agent_id, coalesce(team, 'unassigned') AS team, site
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
practice_use AS (
    SELECT u.agent_id, u.team, u.site, p.practice, p.used
    FROM upset_calls u
    JOIN call_practices p USING (call_id)
    WHERE $practice IS NULL OR p.practice = $practice
),
per_agent AS (
    SELECT agent_id, team, site, practice,
        count(*) AS upset_calls,
        count(used) AS assessed_calls,
        count(*) FILTER (WHERE used) AS used_calls
    FROM practice_use
    GROUP BY agent_id, team, site, practice
)
SELECT
    agent_id, team, site, practice, upset_calls, assessed_calls, used_calls,
    used_calls / nullif(assessed_calls, 0) AS adoption,
    sum(used_calls) OVER (PARTITION BY team, practice)
        / nullif(sum(assessed_calls) OVER (PARTITION BY team, practice), 0) AS team_adoption
FROM per_agent
ORDER BY team, agent_id, practice
