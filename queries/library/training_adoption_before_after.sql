-- title: Training completions and adoption before/after
-- description: One row per training completion: the agent, team, practice and date, and the agent's adoption of that practice on their assessed upset calls in the window before completion and in the window after (the completion day counts as after), with the change.
-- audience: trainer, director
-- param: practice practice = | Practice trained (empty = all; a practice without a module has none)
-- param: team text = | Team (empty = all teams)
-- param: start date = | Completions on or after this day (empty = from the first)
-- param: end date = | Completions on or before this day (empty = up to the last)
-- param: window_days int = 90 | Days before and after the completion to compare
-- Grain: one row per training row (agent, module, completed_at), newest first. The practices
-- table says which practice each module coaches (module options_offered: offered_options).
-- Reads: training, agents, practices, call_facts, call_practices.
-- Before/after is not a causal effect: adoption may have been rising anyway.
WITH completions AS (
    SELECT t.agent_id, coalesce(a.team, 'unassigned') AS team, t.module, t.completed_at, p.practice
    FROM training t
    JOIN agents a USING (agent_id)
    JOIN practices p USING (module)
    WHERE ($team IS NULL OR coalesce(a.team, 'unassigned') = $team)
      AND ($start IS NULL OR t.completed_at >= $start)
      AND ($end IS NULL OR t.completed_at <= $end)
),
practice_use AS (
    SELECT f.agent_id, f.call_date, p.practice, p.used
    FROM call_facts f
    JOIN call_practices p USING (call_id)
    WHERE f.is_upset AND p.assessed
),
compared AS (
    SELECT c.agent_id, c.team, c.practice, c.module, c.completed_at,
        count(u.used) FILTER (WHERE u.call_date < c.completed_at) AS calls_before,
        avg(u.used::INT) FILTER (WHERE u.call_date < c.completed_at) AS adoption_before,
        count(u.used) FILTER (WHERE u.call_date >= c.completed_at) AS calls_after,
        avg(u.used::INT) FILTER (WHERE u.call_date >= c.completed_at) AS adoption_after
    FROM completions c
    LEFT JOIN practice_use u ON u.agent_id = c.agent_id AND u.practice = c.practice
        AND u.call_date >= c.completed_at - $window_days
        AND u.call_date < c.completed_at + $window_days
    WHERE $practice IS NULL OR c.practice = $practice
    GROUP BY c.agent_id, c.team, c.practice, c.module, c.completed_at
)
SELECT
    agent_id, team, practice, module, completed_at, calls_before, adoption_before,
    calls_after, adoption_after, adoption_after - adoption_before AS change
FROM compared
ORDER BY completed_at DESC, agent_id, practice
