-- title: Rejected rows by rule
-- description: One row per entity, column and rule broken (the rule without the offending value): rows rejected, files and loads they came from, a few of the values that broke it, and where the first one is (file and line).
-- audience: analyst
-- param: entity text = | Entity: calls, customers, agents, follow_ups or training (empty = all)
-- param: batch int = | Load batch id (empty = every load)
-- Grain: one row per entity, column_name and rule; most rejected first.
-- Reads: rejected_rows. A rule reads like "must be > 0 (got -12)"; the "(got ...)" part is
-- split off into example_values.
WITH rejected AS (
    SELECT batch_id, entity, source_file, line, column_name, rule
    FROM rejected_rows
    WHERE ($entity IS NULL OR entity = $entity)
      AND ($batch IS NULL OR batch_id = $batch)
),
split AS (
    SELECT *,
        regexp_replace(rule, ' \(got .*\)$', '') AS rule_kind,
        nullif(regexp_extract(rule, ' \(got (.*)\)$', 1), '') AS got
    FROM rejected
),
grouped AS (
    SELECT entity, column_name, rule_kind,
        count(*) AS rejected_rows,
        count(DISTINCT source_file) AS files,
        count(DISTINCT batch_id) AS loads,
        min(batch_id) AS first_batch,
        max(batch_id) AS last_batch,
        list_sort(list(DISTINCT got)) AS values_seen,
        arg_min(source_file, (batch_id, source_file, line)) AS first_file,
        arg_min(line, (batch_id, source_file, line)) AS first_line
    FROM split
    GROUP BY entity, column_name, rule_kind
)
SELECT
    entity, column_name, rule_kind AS rule, rejected_rows, files, loads, first_batch, last_batch,
    array_to_string(values_seen[1:5], ', ')
        || CASE WHEN len(values_seen) > 5 THEN ', ...' ELSE '' END AS example_values,
    first_file, first_line
FROM grouped
ORDER BY rejected_rows DESC, entity, column_name, rule
