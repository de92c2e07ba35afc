-- teams: one row per team in the filtered calls: its site, agents on its roster, upset calls,
-- churn within 90 days after upset calls (closed windows), share of upset calls with ownership
-- taken and with a follow-up within 30 days; closed_90d, churned_90d: the churn rate's n and count
-- (upset calls whose 90-day window has closed, and of those whose customer churned).
-- Reads: queries/dashboard/filtered_summary (inlined), agents. Parameters: as filtered_summary,
-- and $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
roster AS (
    SELECT coalesce(team, 'unassigned') AS team, count(*) AS agents FROM agents GROUP BY ALL
),
in_period AS (
    SELECT * FROM cells
    WHERE is_upset
      AND in_months(call_month, $start, $end)
),
by_team AS (
    SELECT team, string_agg(DISTINCT site, ', ' ORDER BY site) AS site,
        sum(calls) AS upset_calls,
        sum(churned_90d) / nullif(sum(closed_90d), 0) AS churn_upset,
        sum(closed_90d) AS closed_90d, sum(churned_90d) AS churned_90d,
        sum(took_ownership) / nullif(sum(took_ownership_assessed), 0) AS took_ownership,
        sum(followed_up) / nullif(sum(followed_up_assessed), 0) AS followed_up
    FROM in_period
    GROUP BY team
)
SELECT b.team, b.site, r.agents, b.upset_calls, b.churn_upset, b.took_ownership, b.followed_up,
    b.closed_90d, b.churned_90d
FROM by_team b
LEFT JOIN roster r USING (team)
ORDER BY b.upset_calls DESC, b.team
