-- title: Practice adoption by agent
-- description: One row per agent and practice: upset calls, how many QA assessed for the practice, how many used it, the agent's adoption rate and their team's rate for comparison.
-- audience: trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: practice practice = | Practice (empty = every practice)
-- Grain: one row per agent and practice, over the agent's upset calls (anger_level >= 3).
-- Reads: call_facts. Practices as `calmline fit` scores them: the ten QA flags (NULL = not
-- assessed), offered_options (two or more options offered) and followed_up (a follow-up
-- recorded within 30 days). Adoption = used / assessed.
WITH upset_calls AS (
    SELECT agent_id, coalesce(team, 'unassigned') AS team, site,
        let_vent, verified_understanding, empathized, apologized, asked_desired_outcome,
        offered_options, agreement_obtained, took_ownership, summarized, thanked,
        followup_promised, followup_within_30d AS followed_up
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
practice_use AS (
    SELECT agent_id, team, site, practice, used
    FROM upset_calls UNPIVOT INCLUDE NULLS (used FOR practice IN (
        let_vent, verified_understanding, empathized, apologized, asked_desired_outcome,
        offered_options, agreement_obtained, took_ownership, summarized, thanked,
        followup_promised, followed_up))
    WHERE $practice IS NULL OR practice = $practice
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
