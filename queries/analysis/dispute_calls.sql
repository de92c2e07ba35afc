-- dispute_calls: one row per call with a transcript: call_id, then for every disputed point of the
-- vocabulary (calmline.vocabulary.DISPUTES, in its order) two BOOLEAN columns: <name>_among (the
-- transcript puts the call in the point's comparison, e.g. the agent apologised) and <name>_treated
-- (among those, the call is on the side the claim is about, e.g. the first apology came in the
-- first quarter of the call; NULL outside the comparison or when the transcript cannot say).
-- The points' columns are the vocabulary's own SQL over transcript_calls' columns (trusted code,
-- not data): calmline.analysis.runner puts calmline.analysis.disputes.select_list() where the
-- DISPUTE_COLUMNS marker stands, so this file never lists the points.
-- Reads: transcript_calls. Parameters: none.
WITH transcripts AS (
    SELECT * FROM transcript_calls
)
SELECT
    call_id,
    /* DISPUTE_COLUMNS */
FROM transcripts
ORDER BY call_id
