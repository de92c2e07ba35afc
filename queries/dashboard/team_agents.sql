-- team_agents: one row per agent of team $team with upset calls matching the global filters:
-- upset calls, churn within 90 days after them (closed windows), the churn rate's n and count
-- (closed_90d: upset calls whose 90-day window has closed; churned_90d: of those, whose customer
-- churned), share with ownership taken and with a follow-up within 30 days.
-- Reads: agent_summary; the filter macros. Parameters: $team, $start, $end (dates, NULL = open; whole months),
-- $sites, $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all).
WITH cells AS (
    SELECT * FROM agent_summary
    WHERE team = $team AND in_months(call_month, $start, $end)
      AND in_filters(team, site, channel, issue_type, anger_level, NULL, $sites, $channels, $issues, $anger)
)
SELECT agent_id,
    sum(upset_calls) AS upset_calls,
    sum(churned_90d) / nullif(sum(closed_90d), 0) AS churn_upset,
    sum(closed_90d) AS closed_90d, sum(churned_90d) AS churned_90d,
    sum(took_ownership) / nullif(sum(took_ownership_assessed), 0) AS took_ownership,
    sum(followed_up) / sum(upset_calls) AS followed_up
FROM cells
GROUP BY agent_id
ORDER BY upset_calls DESC, agent_id
