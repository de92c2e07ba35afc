-- call_practices: one row per call and practice (a view; the long form of call_practice_flags).
-- assessed: the practice was recorded (or derived) for the call; used: it was used (NULL when not
-- assessed). Join the practices table for each practice's label and definition.
-- Reads: call_practice_flags. Parameters: none.
WITH long AS (
    FROM call_practice_flags
    UNPIVOT INCLUDE NULLS (used FOR practice IN (COLUMNS(* EXCLUDE (call_id))))
)
SELECT call_id, practice, used IS NOT NULL AS assessed, used
FROM long
