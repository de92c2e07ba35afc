-- headline: one row; the overview's headline figures for the filtered calls.
-- upset_calls, calm_calls, churn after upset and after calm calls within 90 days (closed
-- windows only), and how many of the upset calls' customers were still customers 90 days on.
-- Reads: queries/dashboard/filtered_calls (inlined). Parameters: as filtered_calls.
WITH calls AS (
    {filtered_calls}
)
SELECT
    count(*) FILTER (WHERE is_upset) AS upset_calls,
    count(*) FILTER (WHERE NOT is_upset) AS calm_calls,
    avg(churned_90d::INT) FILTER (WHERE is_upset) AS churn_upset,
    avg(churned_90d::INT) FILTER (WHERE NOT is_upset) AS churn_calm,
    count(*) FILTER (WHERE is_upset AND churned_90d IS NOT NULL) AS upset_closed,
    count(*) FILTER (WHERE is_upset AND churned_90d = false) AS upset_retained
FROM calls
