-- title: Customers lost after unresolved upset calls
-- description: One row per customer who churned within the horizon after an upset call left unresolved: plan, region, monthly value, churn date, how many unresolved upset calls they had in the period (for the team), and the last one followed by churn within the horizon (date, agent, team, issue, anger level, days to churn). Highest monthly value first.
-- audience: director, trainer
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team that took the unresolved call (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days from the call to churn
-- Grain: one row per churned customer. An unresolved call has resolved = false (unknown is
-- not counted). A customer who left within the horizon is listed even when the call's window
-- has not closed yet: the churn is already known (customer_retention's event and time_days, not
-- its churned_<h>d columns, which stay NULL until the window closes). Reads: call_facts,
-- customer_retention.
WITH unresolved_calls AS (
    SELECT call_id, customer_id, agent_id, coalesce(team, 'unassigned') AS team, started_at,
        call_date, issue_type, anger_level, plan, region, monthly_value
    FROM call_facts
    WHERE is_upset AND resolved = false
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
retention AS (
    SELECT call_id, churned_at, event AND time_days <= $horizon AS churned
    FROM customer_retention
),
per_customer AS (
    SELECT customer_id, count(*) AS unresolved_upset_calls
    FROM unresolved_calls
    GROUP BY customer_id
),
lost AS (
    SELECT u.*, r.churned_at,
        row_number() OVER (PARTITION BY u.customer_id ORDER BY u.started_at DESC, u.call_id DESC)
            AS newest_first
    FROM unresolved_calls u
    JOIN retention r USING (call_id)
    WHERE r.churned
)
SELECT
    l.customer_id, l.plan, l.region, l.monthly_value, l.churned_at, p.unresolved_upset_calls,
    l.call_id AS last_call_id, l.call_date AS last_call_date,
    date_diff('day', l.call_date, l.churned_at) AS days_to_churn,
    l.agent_id, l.team, l.issue_type, l.anger_level
FROM lost l
JOIN per_customer p USING (customer_id)
WHERE l.newest_first = 1
ORDER BY l.monthly_value DESC NULLS LAST, l.churned_at, l.customer_id
