-- agent_practice_days: one row per agent, day and practice of the upset calls up to the as-of date
-- (a table): calls (upset calls that day), assessed (on how many the practice was recorded or
-- derived) and used (on how many it was used). Compact enough to compare adoption in any window
-- around a date, such as before and after a training module, without reading the calls.
-- Reads: summary_calls. Parameters: none.
WITH per_day AS (
    SELECT agent_id, call_date, count(*) AS calls,
        count(COLUMNS(practice_pattern())) AS '\1_assessed',
        count(nullif(COLUMNS(practice_pattern()), false)) AS '\1'
    FROM summary_calls
    WHERE is_upset
    GROUP BY ALL
),
long AS (
    FROM per_day UNPIVOT (n FOR counted IN (COLUMNS(* EXCLUDE (agent_id, call_date, calls))))
)
SELECT agent_id, call_date, regexp_replace(counted, '_assessed$', '') AS practice,
    any_value(calls) AS calls,
    sum(n) FILTER (counted LIKE '%\_assessed' ESCAPE '\') AS assessed,
    sum(n) FILTER (NOT counted LIKE '%\_assessed' ESCAPE '\') AS used
FROM long
GROUP BY ALL
