-- call_practice_states: one row per practice of the vocabulary for call $call_id, in the
-- vocabulary's order (no row at all when there is no such call): the value the models use
-- (call_practices.used, NULL = not assessed) and where it came from, as call_practice_sources
-- gives it. recorded: the calls-file column the value comes from (the practice's own QA flag,
-- or for a derived practice the column its definition reads, such as options_offered; NULL
-- when that column has no value or the practice reads none); qa: that column as the calls file
-- records it, detected: as detection found it in the transcript (flags 1/0, options_offered a
-- count; NULL when empty, without a transcript, or for a column detection does not fill);
-- source: 'qa', 'transcript' (QA left it empty and the transcript's value is used) or 'derived'
-- (from the call's other columns), NULL when the practice is not scored.
-- Reads: practices, call_practices, call_practice_sources. Parameters: $call_id (text, bound).
WITH used AS (
    SELECT practice, used FROM call_practices WHERE call_id = $call_id
), recorded AS (
    SELECT practice AS recorded, qa_value AS qa, detected_value AS detected, source
    FROM call_practice_sources WHERE call_id = $call_id
), states AS (
    SELECT p.practice, p.label, p.definition, p.source AS recorded_as, p.position, u.used, r.recorded,
        r.qa, r.detected,
        coalesce(r.source, CASE WHEN u.used IS NOT NULL AND p.source LIKE 'derived%' THEN 'derived' END) AS source
    FROM practices p
    JOIN used u USING (practice)
    LEFT JOIN recorded r
        ON r.recorded = p.practice
        OR (p.source LIKE 'derived:%' AND regexp_matches(p.source, '\b' || r.recorded || '\b'))
    QUALIFY row_number() OVER (PARTITION BY p.practice ORDER BY r.recorded = p.practice DESC, r.recorded) = 1
)
SELECT practice, label, definition, recorded_as, used, recorded, qa, detected, source
FROM states
ORDER BY position
