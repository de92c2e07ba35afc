-- training_completions: one row per (module, team): agents who completed it, and adoption of the
-- practice it coaches (the practices table says which) on their upset calls up to the as-of date
-- in the 90 days before vs the 90 days after completion, with the upset calls behind each.
-- Reads: training, agents, practices, agent_practice_days. Parameters: none.
WITH done AS (
    SELECT t.agent_id, t.module, t.completed_at, coalesce(a.team, 'unassigned') AS team, p.practice
    FROM training t
    JOIN agents a USING (agent_id)
    JOIN practices p USING (module)
),
around AS (
    SELECT d.module, d.team, d.agent_id, u.call_date < d.completed_at AS before,
        u.calls, u.assessed, u.used
    FROM done d
    JOIN agent_practice_days u ON u.agent_id = d.agent_id AND u.practice = d.practice
        AND u.call_date BETWEEN d.completed_at - 90 AND d.completed_at + 90
)
SELECT module, team, count(DISTINCT agent_id) AS agents,
    sum(used) FILTER (WHERE before) / nullif(sum(assessed) FILTER (WHERE before), 0) AS adoption_before,
    sum(used) FILTER (WHERE NOT before) / nullif(sum(assessed) FILTER (WHERE NOT before), 0)
        AS adoption_after,
    coalesce(sum(calls) FILTER (WHERE before), 0) AS calls_before,
    coalesce(sum(calls) FILTER (WHERE NOT before), 0) AS calls_after
FROM around
GROUP BY ALL
ORDER BY module, team
