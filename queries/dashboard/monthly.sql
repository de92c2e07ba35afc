-- monthly: one row per calendar month of the filtered calls: upset calls and churn within 90 days
-- after upset and after calm calls (closed windows). Practice adoption: monthly_adoption.
-- Reads: filtered_summary (a table macro the ETL creates). Parameters: $teams, $sites,
-- $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all), and
-- $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
in_period AS (
    SELECT * FROM cells
    WHERE in_months(call_month, $start, $end)
)
SELECT call_month AS month,
    sum(calls) FILTER (is_upset) AS upset_calls,
    sum(churned_90d) FILTER (is_upset) / nullif(sum(closed_90d) FILTER (is_upset), 0) AS churn_upset,
    sum(churned_90d) FILTER (NOT is_upset) / nullif(sum(closed_90d) FILTER (NOT is_upset), 0) AS churn_calm
FROM in_period
GROUP BY call_month
ORDER BY call_month
