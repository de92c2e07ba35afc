-- monthly_adoption: one row per calendar month of the filtered calls and practice: the upset calls
-- on which the practice was assessed, on which it was used, and the share used (adoption).
-- Reads: filtered_summary (a table macro the ETL creates). Parameters: $teams, $sites,
-- $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all), and
-- $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
in_period AS (
    SELECT * FROM cells
    WHERE is_upset
      AND in_months(call_month, $start, $end)
),
sums AS (
    SELECT call_month,
        sum(COLUMNS(lambda c: regexp_matches(c, practice_pattern())
                              OR regexp_matches(c, practice_assessed_pattern())))
    FROM in_period
    GROUP BY call_month
),
long AS (
    FROM sums UNPIVOT (n FOR counted IN (COLUMNS(* EXCLUDE (call_month))))
)
SELECT call_month AS month, regexp_replace(counted, '_assessed$', '') AS practice,
    sum(n) FILTER (counted LIKE '%\_assessed' ESCAPE '\') AS assessed,
    sum(n) FILTER (NOT counted LIKE '%\_assessed' ESCAPE '\') AS used,
    used / nullif(assessed, 0) AS adoption
FROM long
GROUP BY ALL
ORDER BY month, practice
