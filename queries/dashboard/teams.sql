-- teams: one row per team in the filtered calls: upset calls, agents, churn within 90 days after
-- upset calls (closed windows), share of upset calls with ownership taken and with a follow-up.
-- Reads: queries/dashboard/filtered_calls (inlined). Parameters: as filtered_calls.
WITH calls AS (
    {filtered_calls}
)
SELECT coalesce(team, 'unassigned') AS team, any_value(site) AS site,
    count(DISTINCT agent_id) AS agents,
    count(*) FILTER (WHERE is_upset) AS upset_calls,
    avg(churned_90d::INT) FILTER (WHERE is_upset) AS churn_upset,
    avg(took_ownership::INT) FILTER (WHERE is_upset) AS took_ownership,
    avg(followup_within_30d::INT) FILTER (WHERE is_upset) AS followed_up
FROM calls
GROUP BY ALL
ORDER BY upset_calls DESC
