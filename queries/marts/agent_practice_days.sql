-- agent_practice_days: one row per agent and day with upset calls up to the as-of date (a table):
-- calls (upset calls that day) and, for each practice of the vocabulary, <practice>_assessed (on
-- how many it was recorded or derived) and <practice> (on how many it was used). Compact enough
-- to compare adoption in any window around a date, such as before and after a training module,
-- without reading the calls.
-- Reads: summary_calls. Parameters: none.
SELECT agent_id, call_date, count(*) AS calls,
    count(COLUMNS(practice_pattern())) AS '\1_assessed',
    count(nullif(COLUMNS(practice_pattern()), false)) AS '\1'
FROM summary_calls
WHERE is_upset
GROUP BY ALL
