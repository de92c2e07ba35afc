-- team_agents: one row per agent of team $team in the filtered calls, as teams.sql.
-- Reads: queries/dashboard/filtered_calls (inlined). Parameters: as filtered_calls, and $team.
WITH calls AS (
    {filtered_calls}
)
SELECT agent_id, count(*) FILTER (WHERE is_upset) AS upset_calls,
    avg(churned_90d::INT) FILTER (WHERE is_upset) AS churn_upset,
    avg(took_ownership::INT) FILTER (WHERE is_upset) AS took_ownership,
    avg(followup_within_30d::INT) FILTER (WHERE is_upset) AS followed_up
FROM calls
WHERE coalesce(team, 'unassigned') = $team
GROUP BY agent_id
ORDER BY upset_calls DESC
