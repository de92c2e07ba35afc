-- upset_customer_calls: one row per upset call (anger_level >= 3) up to the as-of date whose
-- customer had not churned before it (a table): the customer, the call's day and month, the
-- filter dimensions (team, site, channel, issue_type, anger_level), the customer's monthly value
-- and churn date. The overview's customer-level figures count distinct customers from it
-- (a customer with an upset call in the period, retained when not churned within 90 days of
-- their last upset call in it), which the call-level call_summary cannot give.
-- Reads: summary_calls. Parameters: none.
SELECT customer_id, call_month, call_date, coalesce(team, 'unassigned') AS team, site, channel,
    issue_type, anger_level, monthly_value, churned_at
FROM summary_calls
WHERE is_upset AND NOT churned_before_call
