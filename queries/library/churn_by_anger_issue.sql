-- title: Churn by anger level and issue type
-- description: One row per anger level (3 to 5) and issue type: upset calls, the share resolved, and churn within the horizon among calls whose window has closed, with its 95% Wilson interval and a flag when it rests on fewer than 30 calls.
-- audience: director, trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- Grain: one row per anger_level and issue_type of upset calls.
-- Reads: call_facts, horizon_churn. ci_low, ci_high: Wilson 95% interval of churn_rate; few_calls:
-- fewer than 30 closed windows.
WITH upset_calls AS (
    SELECT call_id, anger_level, issue_type, resolved
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
outcomes AS (
    SELECT u.anger_level, u.issue_type, u.resolved, r.churned
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
),
counted AS (
    SELECT anger_level, issue_type,
        count(*) AS upset_calls,
        avg(resolved::INT) AS resolved_share,
        count(churned) AS closed_windows,
        count(*) FILTER (WHERE churned) AS churned,
        avg(churned::INT) AS churn_rate
    FROM outcomes
    GROUP BY anger_level, issue_type
),
wilson AS (
    SELECT *, 1.959963984540054 AS z, closed_windows AS n FROM counted
)
SELECT anger_level, issue_type, upset_calls, resolved_share, closed_windows, churned, churn_rate,
    (churn_rate + z * z / (2 * n)) / (1 + z * z / n)
        - z * sqrt(churn_rate * (1 - churn_rate) / n + z * z / (4 * n * n)) / (1 + z * z / n) AS ci_low,
    (churn_rate + z * z / (2 * n)) / (1 + z * z / n)
        + z * sqrt(churn_rate * (1 - churn_rate) / n + z * z / (4 * n * n)) / (1 + z * z / n) AS ci_high,
    closed_windows < 30 AS few_calls
FROM wilson
ORDER BY anger_level, issue_type
