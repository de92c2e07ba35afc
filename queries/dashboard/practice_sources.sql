-- practice_sources: one row: the calls up to the as-of date (calls) and where their QA-scored
-- practices (the QA flags and options_offered) came from: from_qa (every value from the calls
-- file), from_transcript (QA left them all empty; detection filled them), from_both (QA where it
-- scored, the transcript for the rest), from_neither (not assessed); with_transcript: calls with
-- a transcript; compared: calls with both a QA value and a detected value for some practice.
-- Reads: practice_source_counts (counted by the load: over call_facts here it took seconds at
-- 2M calls; tests/dashboard/test_mart_queries.py checks it against that query). Parameters: none.
SELECT calls, from_qa, from_transcript, from_both, from_neither, with_transcript, compared
FROM practice_source_counts
