-- title: Transfers and holds vs churn
-- description: One row per number of transfers (0, 1, 2+) and hold time band (none, under 2 min, 2-5 min, over 5 min) on upset calls: calls, the share resolved, and churn within the horizon among calls whose window has closed.
-- audience: director, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- Grain: one row per transfers band and hold band ('unknown' when not recorded).
-- Reads: call_facts, horizon_churn. Unadjusted: harder problems get more transfers and
-- holds and also churn more.
WITH upset_calls AS (
    SELECT call_id, transfers, hold_s, resolved
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
banded AS (
    SELECT u.resolved, r.churned,
        CASE WHEN u.transfers IS NULL THEN 9 WHEN u.transfers >= 2 THEN 2
             ELSE u.transfers END AS transfer_band,
        CASE WHEN u.hold_s IS NULL THEN 9 WHEN u.hold_s = 0 THEN 0 WHEN u.hold_s < 120 THEN 1
             WHEN u.hold_s <= 300 THEN 2 ELSE 3 END AS hold_band
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
)
SELECT
    CASE transfer_band WHEN 9 THEN 'unknown' WHEN 2 THEN '2+' ELSE transfer_band::VARCHAR END
        AS transfers,
    CASE hold_band WHEN 0 THEN 'none' WHEN 1 THEN 'under 2 min' WHEN 2 THEN '2-5 min'
                   WHEN 3 THEN 'over 5 min' ELSE 'unknown' END AS hold,
    count(*) AS upset_calls,
    avg(resolved::INT) AS resolved_share,
    count(churned) AS closed_windows,
    count(*) FILTER (WHERE churned) AS churned,
    avg(churned::INT) AS churn_rate
FROM banded
GROUP BY transfer_band, hold_band
ORDER BY transfer_band, hold_band
