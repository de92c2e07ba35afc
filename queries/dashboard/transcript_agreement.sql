-- transcript_agreement: the Data health page's Detection vs QA table, one row per QA-scored column
-- a transcript fills that some call has both values for, in the vocabulary's order,
-- options_offered last. The same columns, rows and order as the saved query
-- queries/library/transcript_agreement.sql (tests/dashboard/test_agreement_report.py checks it).
-- Reads: transcript_agreement, practices. Parameters: none.
WITH agreement AS (
    SELECT * FROM transcript_agreement
), practice_order AS (
    SELECT practice, position FROM practices
)
SELECT a.practice, a.kind, a.n_calls, a.agreeing, a.agreement, a.kappa, a.kappa_low, a.kappa_high,
    a."precision", a.precision_low, a.precision_high, a.recall, a.recall_low, a.recall_high,
    a.tp, a.fp, a.fn, a.tn
FROM agreement a
LEFT JOIN practice_order o USING (practice)
ORDER BY o.position NULLS LAST, a.practice
