-- practice_source_counts: one row (a table, built with every load): the calls up to the as-of date
-- (calls) and where their QA-scored practices (the QA flags and options_offered) came from:
-- from_qa (every value from the calls file), from_transcript (QA left them all empty; detection
-- filled them), from_both (QA where it scored, the transcript for the rest), from_neither (not
-- assessed); with_transcript: calls with a transcript; compared: calls with both a QA value and a
-- detected value for some practice. Data health's "Detection vs QA" reads it: counted over every
-- call once per load instead of on each dashboard worker (about 3 s of CPU at 2M calls).
-- Reads: summary_calls (the same calls and practice_source as call_facts), transcript_calls,
-- call_practice_sources. Parameters: none.
WITH calls AS (
    SELECT call_id, practice_source FROM summary_calls
), transcribed AS (
    SELECT count(*) AS n FROM transcript_calls SEMI JOIN calls USING (call_id)
), compared AS (
    SELECT count(DISTINCT call_id) AS n FROM call_practice_sources
    WHERE qa_value IS NOT NULL AND detected_value IS NOT NULL
)
SELECT count(*) AS calls,
    count(*) FILTER (practice_source = 'qa') AS from_qa,
    count(*) FILTER (practice_source = 'transcript') AS from_transcript,
    count(*) FILTER (practice_source = 'qa+transcript') AS from_both,
    count(*) FILTER (practice_source IS NULL) AS from_neither,
    any_value((SELECT n FROM transcribed)) AS with_transcript,
    any_value((SELECT n FROM compared)) AS compared
FROM calls
