-- monthly: one row per calendar month of the filtered calls (whole months of the period).
-- Call-level counts, so a rate's n is in calls: upset_calls, calm_calls; upset_closed_90d /
-- upset_churned_90d: upset calls whose 90-day window has closed by the as-of date / of those,
-- whose customer churned within 90 days (churn_upset = their ratio), and the same for calm calls
-- (calm_closed_90d, calm_churned_90d, churn_calm); upset_closed_30d / upset_churned_30d: the same
-- over 30 days (the early signal for months still open at 90 days). Contact-centre KPIs over all
-- filtered calls: resolved_known, resolved (first-contact resolution), handled, handle_s_sum,
-- handle_s_sq_sum (handle time, seconds, and its squares), csat_scored, csat_sum, csat_sq_sum
-- (CSAT 1-5); repeat_closed_30d, repeat_30d (upset calls followed by another upset call from the
-- same customer within 30 days). Practice
-- adoption: monthly_adoption. The overview's headline figures are sums of these rows
-- (overview_numbers.headline_from_months; the headline query is their reference).
-- Reads: filtered_summary (a table macro the ETL creates), upset_repeat_summary. Parameters:
-- $teams, $sites, $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all),
-- and $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
in_period AS (
    SELECT * FROM cells
    WHERE in_months(call_month, $start, $end)
),
repeats AS (
    SELECT call_month,
        CAST(sum(repeat_closed_30d) AS BIGINT) AS repeat_closed_30d,
        CAST(sum(repeat_30d) AS BIGINT) AS repeat_30d
    FROM upset_repeat_summary
    WHERE in_filters(team, site, channel, issue_type, anger_level, $teams, $sites, $channels, $issues, $anger)
      AND in_months(call_month, $start, $end)
    GROUP BY call_month
),
by_month AS (
    SELECT call_month,
        coalesce(sum(calls) FILTER (is_upset), 0) AS upset_calls,
        coalesce(sum(calls) FILTER (NOT is_upset), 0) AS calm_calls,
        coalesce(sum(closed_90d) FILTER (is_upset), 0) AS upset_closed_90d,
        coalesce(sum(churned_90d) FILTER (is_upset), 0) AS upset_churned_90d,
        sum(churned_90d) FILTER (is_upset) / nullif(sum(closed_90d) FILTER (is_upset), 0) AS churn_upset,
        coalesce(sum(closed_90d) FILTER (NOT is_upset), 0) AS calm_closed_90d,
        coalesce(sum(churned_90d) FILTER (NOT is_upset), 0) AS calm_churned_90d,
        sum(churned_90d) FILTER (NOT is_upset) / nullif(sum(closed_90d) FILTER (NOT is_upset), 0) AS churn_calm,
        coalesce(sum(closed_30d) FILTER (is_upset), 0) AS upset_closed_30d,
        coalesce(sum(churned_30d) FILTER (is_upset), 0) AS upset_churned_30d,
        sum(resolved_known) AS resolved_known,
        sum(resolved) AS resolved,
        sum(handled) AS handled,
        sum(handle_s_sum) AS handle_s_sum,
        sum(handle_s_sq_sum) AS handle_s_sq_sum,
        sum(csat_scored) AS csat_scored,
        sum(csat_sum) AS csat_sum,
        sum(csat_sq_sum) AS csat_sq_sum
    FROM in_period
    GROUP BY call_month
)
SELECT m.call_month AS month, m.* EXCLUDE (call_month),
    coalesce(r.repeat_closed_30d, 0) AS repeat_closed_30d, coalesce(r.repeat_30d, 0) AS repeat_30d
FROM by_month m
LEFT JOIN repeats r USING (call_month)
ORDER BY m.call_month
