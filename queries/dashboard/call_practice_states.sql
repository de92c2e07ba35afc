-- call_practice_states: one row per practice of the vocabulary for call $call_id, in the
-- vocabulary's order: the value the models use (call_practices.used, NULL = not assessed), the
-- calls file's QA flag (qa; NULL for derived practices and flags left empty), what detection found
-- in the transcript (detected; NULL without a transcript or for practices detection does not
-- score), and where the value the models use came from: 'qa', 'transcript' (the QA flag was
-- empty and the transcript's value was used), 'derived' (from the call's other columns) or NULL.
-- No row at all when there is no such call.
-- Reads: practices, call_practices, calls, transcript_calls. Parameters: $call_id (text, bound).
WITH used AS (
    SELECT practice, used FROM call_practices WHERE call_id = $call_id
), qa_flags AS (
    SELECT COLUMNS(practice_pattern()) FROM calls WHERE call_id = $call_id
), detected_flags AS (
    SELECT COLUMNS(practice_pattern()) FROM transcript_calls WHERE call_id = $call_id
), qa AS (
    FROM qa_flags UNPIVOT INCLUDE NULLS (qa FOR practice IN (COLUMNS(*)))
), detected AS (
    FROM detected_flags UNPIVOT INCLUDE NULLS (detected FOR practice IN (COLUMNS(*)))
)
SELECT p.practice, p.label, p.definition, p.source AS recorded_as, u.used, q.qa, d.detected,
    CASE WHEN q.qa IS NOT NULL THEN 'qa'
         WHEN u.used IS NOT NULL AND d.detected IS NOT NULL THEN 'transcript'
         WHEN u.used IS NOT NULL AND p.source LIKE 'derived%' THEN 'derived' END AS source
FROM practices p
JOIN used u USING (practice)
LEFT JOIN qa q USING (practice)
LEFT JOIN detected d USING (practice)
ORDER BY p.position
