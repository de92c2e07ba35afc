-- call_practice_flags: one row per call of call_facts (a view): call_id and one BOOLEAN column per
-- practice of calmline/vocabulary.py, in its order (NULL = not assessed on this call).
-- Reads: call_facts. Parameters: none.
SELECT call_id, COLUMNS(practice_pattern())
FROM call_facts
