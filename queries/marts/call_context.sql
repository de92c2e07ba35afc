-- call_context: one row per call started on or before the as-of date (a view); call_facts adds
-- the practices to it (etl/practice_views.py derives them as calmline/vocabulary.py says).
-- Every column of calls as loaded (the QA practice flags among them) with its agent's team and
-- site, the customer's plan, value, region and tenure at the call, the upset flag
-- (anger_level >= upset_anger()), the first follow-up recorded after the call (days to it, and
-- whether it came within the follow-up window), and the agent's break before it: minutes from
-- the end of their previous upset call to this call's start (0 when the two overlap, NULL when
-- there was none).
-- Reads: calls, agents, customers, call_timing, etl_state. Parameters: none.
-- The as-of cut is a semi join at the end: written as a cross join with etl_state
-- it hid the row counts from DuckDB's join planner, which then built its hash tables
-- on the 2M calls instead of the customers (three times slower).
SELECT
    c.* EXCLUDE (_batch_id, _source_file, _source_line), a.team, a.site,
    CAST(c.started_at AS DATE) AS call_date,
    CAST(date_trunc('month', c.started_at) AS DATE) AS call_month,
    c.anger_level >= upset_anger() AS is_upset,
    t.first_followup_at,
    date_diff('second', c.started_at, t.first_followup_at) / 86400.0 AS days_to_followup,
    coalesce(date_diff('second', c.started_at, t.first_followup_at) <= followup_window_days() * 86400,
             false) AS followup_within_30d,
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
