-- transcript_agreement: one row per calls-file practice column a transcript fills (the QA flags
-- detection scores, and options_offered) that at least one call has both a QA value and a
-- detected value for (a table, built with every load: over every call it takes seconds at 2M calls):
-- how well detection agrees with QA, QA being the reference.
-- kind: 'flag' (true/false) or 'count' (options_offered). n_calls: calls compared (both values
-- present); agreeing: calls where the two are equal (for options_offered the exact count);
-- agreement = agreeing / n_calls. kappa: Cohen's kappa over the table of QA value by detected
-- value (2 x 2 for a flag, one category per count for options_offered), with its asymptotic 95%
-- interval (Fleiss, Cohen & Everitt 1969, as statsmodels' cohens_kappa; clipped to [-1, 1]; a
-- variance of 0, as with perfect agreement, gives the interval kappa to kappa); all three NULL
-- when chance alone would agree on every call (both always gave one value).
-- Flags only (NULL for the count): tp = QA yes and detected yes, fp = QA no but detected yes,
-- fn = QA yes but not detected, tn = both no; precision = tp / (tp + fp), the share of calls
-- detection marked as done that QA marked as done; recall = tp / (tp + fn), the share of calls
-- QA marked as done that detection found; each with a Wilson 95% interval (NULL with no calls).
-- Reads: call_practice_sources. Parameters: none.
WITH pairs AS (
    SELECT practice, qa_value AS q, detected_value AS d
    FROM call_practice_sources
    WHERE qa_value IS NOT NULL AND detected_value IS NOT NULL
), cells AS (
    SELECT practice, q, d, count(*) AS n FROM pairs GROUP BY practice, q, d
), totals AS (
    SELECT practice,
        CASE WHEN list_contains(practice_names(), practice) THEN 'flag' ELSE 'count' END AS kind,
        sum(n)::BIGINT AS n_calls,
        coalesce(sum(n) FILTER (q = d), 0)::BIGINT AS agreeing
    FROM cells GROUP BY practice
), flag_counts AS (
    SELECT practice,
        coalesce(sum(n) FILTER (q = 1 AND d = 1), 0)::BIGINT AS tp,
        coalesce(sum(n) FILTER (q = 0 AND d = 1), 0)::BIGINT AS fp,
        coalesce(sum(n) FILTER (q = 1 AND d = 0), 0)::BIGINT AS fn,
        coalesce(sum(n) FILTER (q = 0 AND d = 0), 0)::BIGINT AS tn
    FROM cells JOIN totals USING (practice)
    WHERE kind = 'flag'
    GROUP BY practice
), margins AS (
    -- per practice and value: the share of the compared calls QA gave it (p_qa) and detection did
    SELECT practice, category, sum(qa_n) / any_value(n_calls) AS p_qa, sum(det_n) / any_value(n_calls) AS p_det
    FROM (SELECT practice, q AS category, n AS qa_n, 0 AS det_n FROM cells
          UNION ALL
          SELECT practice, d, 0, n FROM cells)
    JOIN totals USING (practice)
    GROUP BY practice, category
), kappas AS (
    SELECT t.practice, t.n_calls, t.agreeing / t.n_calls AS p_o, e.p_e,
        (t.agreeing / t.n_calls - e.p_e) / nullif(1 - e.p_e, 0) AS kappa
    FROM totals t
    JOIN (SELECT practice, list_sum(list(p_qa * p_det ORDER BY category)) AS p_e FROM margins GROUP BY practice) e
        USING (practice)
), variances AS (
    -- var(kappa) = (A + B - C) / ((1 - p_e)^2 n): A over the agreeing cells, B the others.
    -- Sums of DOUBLEs here and in p_e add their terms in a fixed order (list_sum over an ordered
    -- list), so the figures do not depend on the order the engine hands the rows over: the
    -- Spark and DuckDB engines must store identical tables, to the last bit.
    SELECT k.practice,
        (list_sum(list(CASE WHEN c.q = c.d THEN c.n / k.n_calls * (1 - (mq.p_qa + mq.p_det) * (1 - k.kappa)) ^ 2
                            ELSE 0 END ORDER BY c.q, c.d))
         + (1 - k.kappa) ^ 2 * list_sum(list(CASE WHEN c.q <> c.d THEN c.n / k.n_calls * (mq.p_det + md.p_qa) ^ 2
                                              ELSE 0 END ORDER BY c.q, c.d))
         - (k.kappa - k.p_e * (1 - k.kappa)) ^ 2)
        / ((1 - k.p_e) ^ 2 * k.n_calls) AS var_kappa
    FROM kappas k
    JOIN cells c USING (practice)
    JOIN margins mq ON mq.practice = c.practice AND mq.category = c.q
    JOIN margins md ON md.practice = c.practice AND md.category = c.d
    WHERE k.kappa IS NOT NULL
    GROUP BY k.practice, k.kappa, k.p_e, k.n_calls
), ratios AS (
    SELECT practice, 'precision' AS measure, tp AS hits, tp + fp AS total FROM flag_counts
    UNION ALL
    SELECT practice, 'recall', tp, tp + fn FROM flag_counts
), wilson AS (
    -- Wilson score interval: (p + z^2/2m -+ z sqrt(p(1-p)/m + z^2/4m^2)) / (1 + z^2/m), z = 1.96
    SELECT practice, measure, hits / total AS ratio,
        (hits / total + z ^ 2 / (2 * total) - z * sqrt(hits / total * (1 - hits / total) / total + z ^ 2 / (4 * total ^ 2)))
            / (1 + z ^ 2 / total) AS low,
        (hits / total + z ^ 2 / (2 * total) + z * sqrt(hits / total * (1 - hits / total) / total + z ^ 2 / (4 * total ^ 2)))
            / (1 + z ^ 2 / total) AS high
    FROM ratios, (SELECT 1.959963984540054 AS z)
    WHERE total > 0
)
SELECT t.practice, t.kind, t.n_calls, t.agreeing, t.agreeing / t.n_calls AS agreement,
    k.kappa,
    CASE WHEN k.kappa IS NOT NULL
         THEN greatest(-1, k.kappa - 1.959963984540054 * sqrt(greatest(v.var_kappa, 0))) END AS kappa_low,
    CASE WHEN k.kappa IS NOT NULL
         THEN least(1, k.kappa + 1.959963984540054 * sqrt(greatest(v.var_kappa, 0))) END AS kappa_high,
    f.tp, f.fp, f.fn, f.tn,
    p.ratio AS "precision", p.low AS precision_low, p.high AS precision_high,
    r.ratio AS recall, r.low AS recall_low, r.high AS recall_high
FROM totals t
JOIN kappas k USING (practice)
LEFT JOIN variances v USING (practice)
LEFT JOIN flag_counts f USING (practice)
LEFT JOIN wilson p ON p.practice = t.practice AND p.measure = 'precision'
LEFT JOIN wilson r ON r.practice = t.practice AND r.measure = 'recall'
