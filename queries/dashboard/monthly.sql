-- monthly: one row per calendar month of the filtered calls: upset calls and churn within 90 days
-- after upset and after calm calls (closed windows). Practice adoption: monthly_adoption.
-- Reads: queries/dashboard/filtered_summary (inlined). Parameters: as filtered_summary, and
-- $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    {filtered_summary}
),
in_period AS (
    SELECT * FROM cells
    WHERE ($start IS NULL OR call_month >= date_trunc('month', CAST($start AS DATE)))
      AND ($end IS NULL OR call_month <= CAST($end AS DATE))
)
SELECT call_month AS month,
    sum(calls) FILTER (is_upset) AS upset_calls,
    sum(churned_90d) FILTER (is_upset) / nullif(sum(closed_90d) FILTER (is_upset), 0) AS churn_upset,
    sum(churned_90d) FILTER (NOT is_upset) / nullif(sum(closed_90d) FILTER (NOT is_upset), 0) AS churn_calm
FROM in_period
GROUP BY call_month
ORDER BY call_month
