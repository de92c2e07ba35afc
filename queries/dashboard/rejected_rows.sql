-- rejected_rows: one row per rejected source row, newest load first, then file and line.
-- Reads: rejected_rows. Parameters: none.
SELECT batch_id, entity, source_file, line, column_name, rule, problems, row_text
FROM rejected_rows
ORDER BY batch_id DESC, source_file, line
