-- title: Detection vs QA: agreement per practice
-- description: How well transcript detection agrees with QA scores, per practice, on the calls that have both a QA value and a transcript, QA being the reference: calls compared, % agreement, Cohen's kappa with its 95% interval, the 2 x 2 counts, and precision (of the calls detection marked as done, the share QA marked done) and recall (of the calls QA marked done, the share detection found) with Wilson 95% intervals; options_offered by exact count. Kappa below 0.6 means the rules need the centre's own phrases (calmline/transcripts/rules/en.toml). The Data health page shows these numbers.
-- audience: analyst, trainer
-- Grain: one row per QA-scored column a transcript fills (the ten QA flags, options_offered) that
-- some call has both values for, in the vocabulary's order, options_offered last; none before a
-- load with transcripts. Shares (agreement, precision, recall) are 0 to 1 of calls.
-- Reads: transcript_agreement (queries/marts/transcript_agreement.sql), practices.
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
