-- agent_transcripts: one row per upset call of agent $agent that has a transcript: call_id and
-- its number of turns, so the agent's upset-call grids (agent_calls) can say which calls open with
-- a transcript. Reads the agent's upset calls from agent_upset_calls (stored in agent order: a
-- few row groups, not a scan of every call), the calls those grids list.
-- Reads: agent_upset_calls, transcript_calls. Parameters: $agent (text, bound).
SELECT t.call_id, t.turns
FROM transcript_calls t
JOIN agent_upset_calls c USING (call_id)
WHERE c.agent_id = $agent
