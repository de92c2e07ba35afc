-- call_practice_sources: one row per call of call_facts and calls-file practice column (the QA
-- flags and options_offered, as qa_recorded_pattern() matches them) that has a value, from QA or
-- from the call's transcript (a view): where each value call_facts uses came from.
-- qa_value: as the calls file records it (NULL = QA left it empty); detected_value: as detection
-- found it in the call's transcript (NULL without a transcript, or for a column detection does
-- not fill: transcript_fill_pattern()). Flags are 1 (done) or 0, options_offered is the count.
-- value: the one call_facts uses, QA's when there is one, else the detected one; source: 'qa' or
-- 'transcript', which of the two that is. A call and column with neither has no row.
-- Reads: calls, transcript_calls, call_context (the calls up to the as-of date).
-- Parameters: none.
WITH qa AS (
    FROM (SELECT call_id, CAST(COLUMNS(qa_recorded_pattern()) AS INTEGER) FROM calls)
    UNPIVOT (qa_value FOR practice IN (COLUMNS(qa_recorded_pattern())))
), detected AS (
    FROM (SELECT call_id, CAST(COLUMNS(transcript_fill_pattern()) AS INTEGER) FROM transcript_calls)
    UNPIVOT (detected_value FOR practice IN (COLUMNS(transcript_fill_pattern())))
), paired AS (
    SELECT call_id, practice, q.qa_value, d.detected_value
    FROM qa q
    FULL JOIN detected d USING (call_id, practice)
)
SELECT call_id, practice, qa_value, detected_value, coalesce(qa_value, detected_value) AS value,
    CASE WHEN qa_value IS NOT NULL THEN 'qa' ELSE 'transcript' END AS source
FROM paired
SEMI JOIN call_context USING (call_id)
