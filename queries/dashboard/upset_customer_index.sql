-- upset_customer_index: one row per upset call of upset_customer_calls, in customer and day order,
-- as the overview's in-memory customer count reads it (calmline.dashboard.customer_counts: what
-- customer_headline gives, for any filter, without a group by over the calls per request).
-- customer_no: the customer's number (0, 1, ... in customer_id order; every call of a customer
-- has it); day, month: the call's day and its month's first day, in days since 1970-01-01;
-- team, site, channel, issue_type, anger_level: the filter dimensions as codes, the value's place
-- (1, 2, ...) in upset_customer_dimensions' list of that dimension, 0 for no value (NULL); churn_day:
-- the customer's churn day in days since 1970-01-01 (NULL: not churned); money: the customer's
-- monthly value in millionths, the DECIMAL(18, 6) customer_headline sums (NULL: no value).
-- churn_day and money are the customer's, the same on each of their calls.
-- Reads: upset_customer_calls. Parameters: none.
WITH calls AS (
    SELECT * FROM upset_customer_calls
),
dimensions AS (
    SELECT list(DISTINCT team ORDER BY team) FILTER (team IS NOT NULL) AS teams,
        list(DISTINCT site ORDER BY site) FILTER (site IS NOT NULL) AS sites,
        list(DISTINCT channel ORDER BY channel) FILTER (channel IS NOT NULL) AS channels,
        list(DISTINCT issue_type ORDER BY issue_type) FILTER (issue_type IS NOT NULL) AS issues,
        list(DISTINCT anger_level ORDER BY anger_level) FILTER (anger_level IS NOT NULL) AS anger
    FROM calls
),
coded AS (
    SELECT c.customer_id, c.call_date, c.call_month, c.churned_at, c.monthly_value,
        CAST(coalesce(list_position(d.teams, c.team), 0) AS SMALLINT) AS team,
        CAST(coalesce(list_position(d.sites, c.site), 0) AS SMALLINT) AS site,
        CAST(coalesce(list_position(d.channels, c.channel), 0) AS SMALLINT) AS channel,
        CAST(coalesce(list_position(d.issues, c.issue_type), 0) AS SMALLINT) AS issue_type,
        CAST(coalesce(list_position(d.anger, c.anger_level), 0) AS SMALLINT) AS anger_level
    FROM calls c CROSS JOIN dimensions d
)
SELECT dense_rank() OVER (ORDER BY customer_id) - 1 AS customer_no,
    CAST(date_diff('day', DATE '1970-01-01', call_date) AS INTEGER) AS day,
    CAST(date_diff('day', DATE '1970-01-01', call_month) AS INTEGER) AS month,
    team, site, channel, issue_type, anger_level,
    CAST(date_diff('day', DATE '1970-01-01', churned_at) AS INTEGER) AS churn_day,
    CAST(CAST(monthly_value AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS money
FROM coded
ORDER BY customer_no, day
