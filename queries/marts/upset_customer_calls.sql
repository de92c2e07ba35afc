-- upset_customer_calls: one row per upset call (anger_level >= 3) up to the as-of date whose
-- customer had not churned before it (a table): the customer, the call's day and month, the
-- filter dimensions (team, site, channel, issue_type, anger_level), the customer's monthly value
-- and churn date. The overview's customer-level figures count distinct customers from it
-- (a customer with an upset call in the period, retained when not churned within 90 days of
-- their last upset call in it), which the call-level call_summary cannot give.
-- repeat_known: 30 days have passed since the call by the as-of date; repeat_30d: the same
-- customer had another upset call (any, whoever took it) within 30 days after this one.
-- Reads: summary_calls. Parameters: none.
WITH upset AS (
    -- call_id breaks a tie between two calls of a customer at the same second, so that every
    -- engine and thread pairs them alike
    SELECT *, lead(started_at) OVER (PARTITION BY customer_id ORDER BY started_at, call_id) AS next_upset_at
    FROM summary_calls
    WHERE is_upset
)
SELECT customer_id, call_month, call_date, coalesce(team, 'unassigned') AS team, site, channel,
    issue_type, anger_level, monthly_value, churned_at,
    window_30d_closed AS repeat_known,
    coalesce(next_upset_at <= started_at + INTERVAL 30 DAY, false) AS repeat_30d
FROM upset
WHERE NOT churned_before_call
