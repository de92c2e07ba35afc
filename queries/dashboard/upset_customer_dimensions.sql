-- upset_customer_dimensions: one row; the values of each filter dimension among the upset calls of
-- upset_customer_calls, each list in order without NULL: a value's place in its list (1, 2, ...) is
-- its code in upset_customer_index. as_of: the data's as-of date.
-- Reads: upset_customer_calls, etl_state. Parameters: none.
WITH calls AS (
    SELECT team, site, channel, issue_type, anger_level FROM upset_customer_calls
)
SELECT list(DISTINCT team ORDER BY team) FILTER (team IS NOT NULL) AS teams,
    list(DISTINCT site ORDER BY site) FILTER (site IS NOT NULL) AS sites,
    list(DISTINCT channel ORDER BY channel) FILTER (channel IS NOT NULL) AS channels,
    list(DISTINCT issue_type ORDER BY issue_type) FILTER (issue_type IS NOT NULL) AS issues,
    list(DISTINCT anger_level ORDER BY anger_level) FILTER (anger_level IS NOT NULL) AS anger,
    (SELECT as_of FROM etl_state) AS as_of
FROM calls
