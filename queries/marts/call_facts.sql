-- call_facts: one row per call started on or before the as-of date (a view).
-- The call with its agent's team and site, the customer's plan, value, region
-- and tenure at the call, the upset flag (anger_level >= 3), offered_options
-- (options_offered >= 2), the first follow-up recorded after the call (days
-- to it, and whether it came within 30 days), and the agent's break before
-- it: minutes from the end of their previous upset call to this call's start
-- (0 when the two overlap, NULL when there was none).
-- Reads: calls, agents, customers, call_timing, etl_state. Parameters: none.
-- The as-of cut is a semi join at the end: written as a cross join with etl_state
-- it hid the row counts from DuckDB's join planner, which then built its hash tables
-- on the 2M calls instead of the customers (three times slower).
SELECT
    c.call_id, c.customer_id, c.agent_id, a.team, a.site,
    c.started_at, CAST(c.started_at AS DATE) AS call_date,
    CAST(date_trunc('month', c.started_at) AS DATE) AS call_month,
    c.channel, c.issue_type, c.anger_level, c.anger_level >= 3 AS is_upset,
    c.wait_s, c.handle_s, c.hold_s, c.transfers, c.resolved, c.csat,
    c.let_vent, c.verified_understanding, c.empathized, c.apologized, c.asked_desired_outcome,
    c.agreement_obtained, c.took_ownership, c.summarized, c.thanked, c.followup_promised,
    c.options_offered, c.options_offered >= 2 AS offered_options,
    t.first_followup_at,
    date_diff('second', c.started_at, t.first_followup_at) / 86400.0 AS days_to_followup,
    coalesce(date_diff('second', c.started_at, t.first_followup_at) <= 30 * 86400, false)
        AS followup_within_30d,
    CASE WHEN t.prev_upset_end IS NOT NULL
         THEN greatest(0, date_diff('second', t.prev_upset_end, c.started_at) / 60.0) END
        AS minutes_since_prev_upset,
    date_diff('day', cu.signup_date, CAST(c.started_at AS DATE)) AS tenure_days,
    date_diff('day', a.hire_date, CAST(c.started_at AS DATE)) AS agent_tenure_days,
    cu.plan, cu.monthly_value, cu.region, cu.churned_at
FROM calls c
JOIN customers cu USING (customer_id)
JOIN agents a USING (agent_id)
LEFT JOIN call_timing t USING (call_id)
SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
