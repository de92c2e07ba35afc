"""The tables transcript reading and detection write, named once.

Stored (kept in the database):

- ``transcript_turns``: one row per turn of every accepted call (call_id, turn 0-based,
  speaker agent|customer, start_s, end_s, text). Nothing else from the source is kept.
- ``transcript_rejects``: one row per source row that was not loaded (source_file, line,
  column_name, rule, problems, row_text), the shape of the ETL's ``rejected_rows``.
- ``transcript_practices``: one row per detected value with its evidence (call_id, practice,
  value, turn, evidence, rule).
- ``transcript_calls``: one row per call, every detected value as a column.

Temporary (per connection, dropped when it closes): the rest.
"""

TURNS = "transcript_turns"
REJECTS = "transcript_rejects"
PRACTICES = "transcript_practices"
CALLS = "transcript_calls"

RAW = "_tx_raw"              # one row per turn as read, before validation
ROWS = "_tx_rows"            # one row per source row: its file, line, text and reader problem
SENTENCES = "_tx_sentences"  # one row per sentence of every turn, lower-cased
HITS = "_tx_hits"            # one row per phrase rule matched in a sentence
