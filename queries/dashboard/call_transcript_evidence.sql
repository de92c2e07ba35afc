-- call_transcript_evidence: one row per distinct detected value of call $call_id with its
-- evidence: practice (a practice or a how-it-was-done value such as handoff), value, turn (0-based;
-- NULL for a value of the whole call, such as agent_talk_share), evidence (the words that triggered
-- it, lower-cased, as said in that turn) and rule (the rule file's name for the rule that matched).
-- Ordered by turn, whole-call values last. No row when the call has no transcript.
-- Reads: transcript_practices. Parameters: $call_id (text, bound).
SELECT DISTINCT practice, value, turn, evidence, rule
FROM transcript_practices
WHERE call_id = $call_id
ORDER BY turn NULLS LAST, practice, evidence, rule
