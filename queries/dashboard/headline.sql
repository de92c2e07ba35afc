-- headline: one row; the overview's headline figures for the filtered calls.
-- upset_calls, calm_calls; churn within 90 days after upset and after calm calls (closed windows
-- only); upset_closed: upset calls whose 90-day window has closed, upset_retained: of those, the
-- calls whose customer was still with us 90 days on (calls, not customers: a customer with three
-- upset calls counts three times; customer counts come from customer_headline); calm_closed and
-- calm_retained: the same two counts for calm calls (the upset-vs-calm difference's n); and the same
-- figures for the previous period (as many months, just before $start; NULL when no period is
-- chosen) as prev_*. The overview's comparisons use the monthly query's counts instead.
-- Reads: filtered_summary (a table macro the ETL creates). Parameters: $teams, $sites,
-- $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all), and
-- $start, $end (dates, NULL = open; whole months, as the filters choose them).
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
period AS (
    SELECT CAST(date_trunc('month', CAST($start AS DATE)) AS DATE) AS first_month,
        CAST(date_trunc('month', CAST($end AS DATE)) AS DATE) AS last_month
),
previous AS (
    SELECT CAST(first_month - to_months(date_diff('month', first_month, last_month) + 1) AS DATE)
            AS first_month,
        CAST(first_month - INTERVAL 1 MONTH AS DATE) AS last_month
    FROM period WHERE first_month IS NOT NULL AND last_month IS NOT NULL
),
tagged AS (
    SELECT c.*,
        (p.first_month IS NULL OR c.call_month >= p.first_month)
            AND (p.last_month IS NULL OR c.call_month <= p.last_month) AS in_period,
        coalesce(c.call_month BETWEEN v.first_month AND v.last_month, false) AS in_previous
    FROM cells c CROSS JOIN period p LEFT JOIN previous v ON true
)
SELECT
    coalesce(sum(calls) FILTER (in_period AND is_upset), 0) AS upset_calls,
    coalesce(sum(calls) FILTER (in_period AND NOT is_upset), 0) AS calm_calls,
    sum(churned_90d) FILTER (in_period AND is_upset) / nullif(sum(closed_90d) FILTER (in_period AND is_upset), 0)
        AS churn_upset,
    sum(churned_90d) FILTER (in_period AND NOT is_upset)
        / nullif(sum(closed_90d) FILTER (in_period AND NOT is_upset), 0) AS churn_calm,
    coalesce(sum(closed_90d) FILTER (in_period AND is_upset), 0) AS upset_closed,
    coalesce(sum(closed_90d - churned_90d) FILTER (in_period AND is_upset), 0) AS upset_retained,
    coalesce(sum(closed_90d) FILTER (in_period AND NOT is_upset), 0) AS calm_closed,
    coalesce(sum(closed_90d - churned_90d) FILTER (in_period AND NOT is_upset), 0) AS calm_retained,
    (SELECT count(*) FROM previous) = 1 AS has_previous,
    sum(calls) FILTER (in_previous AND is_upset) AS prev_upset_calls,
    sum(churned_90d) FILTER (in_previous AND is_upset)
        / nullif(sum(closed_90d) FILTER (in_previous AND is_upset), 0) AS prev_churn_upset,
    sum(closed_90d) FILTER (in_previous AND is_upset) AS prev_upset_closed,
    sum(closed_90d - churned_90d) FILTER (in_previous AND is_upset) AS prev_upset_retained
FROM tagged
