-- title: Repeat upset contacts within 30 days
-- description: One row per team: upset calls, those whose follow-on window has closed, how many were followed by another upset call from the same customer within the window (to any team), the repeat rate, and 90-day churn with and without a repeat.
-- audience: director, trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team that took the first call (empty = all teams)
-- param: days int = 30 | Days after an upset call in which another upset call counts as a repeat
-- Grain: one row per team of the agent who took the upset call ('unassigned' when none).
-- Reads: call_facts, customer_retention, etl_state. The next upset call is looked for among all
-- upset calls, whatever the period or team filter. Repeat rates count only calls whose window
-- (days) has closed by the as-of date; churn only calls whose 90-day window has closed.
WITH state AS (
    SELECT as_of FROM etl_state
),
all_upset_calls AS (
    SELECT call_id, customer_id, started_at, call_date, coalesce(team, 'unassigned') AS team
    FROM call_facts
    WHERE is_upset
),
retention AS (
    SELECT call_id, CASE WHEN days_observable >= 90 THEN churned_90d END AS churned_90d
    FROM customer_retention
),
with_next AS (
    SELECT *,
        lead(started_at) OVER (PARTITION BY customer_id ORDER BY started_at, call_id)
            AS next_upset_at
    FROM all_upset_calls
),
in_scope AS (
    SELECT w.team, r.churned_90d,
        w.call_date + $days <= s.as_of AS window_closed,
        coalesce(date_diff('second', w.started_at, w.next_upset_at) <= $days * 86400, false)
            AS repeated
    FROM with_next w
    CROSS JOIN state s
    LEFT JOIN retention r USING (call_id)
    WHERE ($start IS NULL OR w.call_date >= $start)
      AND ($end IS NULL OR w.call_date <= $end)
      AND ($team IS NULL OR w.team = $team)
)
SELECT
    team,
    count(*) AS upset_calls,
    count(*) FILTER (WHERE window_closed) AS closed_windows,
    count(*) FILTER (WHERE window_closed AND repeated) AS repeat_calls,
    avg(repeated::INT) FILTER (WHERE window_closed) AS repeat_rate,
    avg(churned_90d::INT) FILTER (WHERE window_closed AND repeated) AS churn_90d_after_repeat,
    avg(churned_90d::INT) FILTER (WHERE window_closed AND NOT repeated) AS churn_90d_no_repeat
FROM in_scope
GROUP BY team
ORDER BY team
