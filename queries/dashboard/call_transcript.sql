-- call_transcript: one row per turn of the transcript of call $call_id, in the order spoken: turn
-- (0-based), speaker (agent or customer), start_s and end_s (seconds from the start of the call)
-- and text as stored (untrusted: the page shows it as text). No row when none was loaded.
-- Reads: transcript_turns. Parameters: $call_id (text, bound).
SELECT turn, speaker, start_s, end_s, text
FROM transcript_turns
WHERE call_id = $call_id
ORDER BY turn
