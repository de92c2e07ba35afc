-- agent_transcripts: one row per call of agent $agent that has a transcript: call_id and its
-- number of turns, so the agent's upset-call grids can say which calls open with a transcript.
-- Reads: calls, transcript_calls. Parameters: $agent (text, bound).
SELECT t.call_id, t.turns
FROM transcript_calls t
JOIN calls c USING (call_id)
WHERE c.agent_id = $agent
