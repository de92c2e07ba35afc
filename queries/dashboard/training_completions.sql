-- training_completions: one row per (module, team): agents who completed it, and adoption of the
-- practice it coaches (the practices table says which) on their upset calls up to the as-of date
-- in the 90 days before vs the 90 days after completion, with the upset calls behind each.
-- The practice's two column names are made once per completion (assessed_column), not once per
-- unpivoted value (about 40% less CPU at 2M calls; tests/dashboard/test_mart_queries.py checks
-- it against the query before).
-- Reads: training, agents, practices, agent_practice_days. Parameters: none.
WITH done AS (
    SELECT t.agent_id, t.module, t.completed_at, coalesce(a.team, 'unassigned') AS team, p.practice,
        p.practice || '_assessed' AS assessed_column
    FROM training t
    JOIN agents a USING (agent_id)
    JOIN practices p USING (module)
),
around AS (
    SELECT d.module, d.team, d.agent_id, d.practice, d.assessed_column, u.call_date, u.calls,
        u.call_date < d.completed_at AS before,
        COLUMNS(lambda c: regexp_matches(c, practice_pattern())
                          OR regexp_matches(c, practice_assessed_pattern()))
    FROM done d
    JOIN agent_practice_days u ON u.agent_id = d.agent_id
        AND u.call_date BETWEEN d.completed_at - 90 AND d.completed_at + 90
),
counted AS (
    FROM around
    UNPIVOT (n FOR counted IN (COLUMNS(* EXCLUDE (module, team, agent_id, practice, assessed_column, call_date,
                                                  calls, before))))
),
coached AS (
    SELECT module, team, agent_id, call_date, before, calls,
        sum(n) FILTER (counted = assessed_column) AS assessed,
        sum(n) FILTER (counted = practice) AS used
    FROM counted
    WHERE counted = practice OR counted = assessed_column
    GROUP BY ALL
)
SELECT module, team, count(DISTINCT agent_id) AS agents,
    sum(used) FILTER (WHERE before) / nullif(sum(assessed) FILTER (WHERE before), 0) AS adoption_before,
    sum(used) FILTER (WHERE NOT before) / nullif(sum(assessed) FILTER (WHERE NOT before), 0)
        AS adoption_after,
    coalesce(sum(calls) FILTER (WHERE before), 0) AS calls_before,
    coalesce(sum(calls) FILTER (WHERE NOT before), 0) AS calls_after
FROM coached
GROUP BY ALL
ORDER BY module, team
