"""The name of every temporary table and view a load creates, owned here and nowhere else.

A load runs on one private connection; its steps hand rows to each other through these
temporary objects, which vanish with the connection. Each step's docstring says which of
them it reads and writes; this module says what each one holds.

Per entity (``calls``, ``customers``, ...):

- :func:`staged` ``stage_<entity>_t`` (table): every row read, typed, with its file index,
  line, problems (per-row rules broken) and ``_ok``. Temporary, except for an entity with no
  stored rows yet: then a table of the (working) database in the stored table's layout, which
  :func:`calmline.etl.store.adopt` turns into the stored table (:func:`is_direct`).
- :func:`stage` ``stage_<entity>`` (view): the staged rows with each row's line in its file.
- :func:`cross` ``cross_<entity>`` (table): rows that broke a rule across rows (duplicate key,
  unknown reference, dates), one row per problem.
- :func:`accepted` ``accepted_<entity>`` (view): staged rows that broke no rule.
- :func:`classified` ``classified_<entity>`` (table): accepted rows marked inserted, updated
  or unchanged against the stored table.

Per file ``i`` of a read (:mod:`calmline.etl.read_raw`): :func:`raw_file` (the file as text
columns), :func:`line_marks` and :func:`line_offsets` (where quoted fields span lines) and
:func:`numbered` (rows with their line numbers).

Per load: :data:`READER_REJECTS` and :data:`READER_SCANS` (rows DuckDB's reader could not
parse), :data:`PARSE_REJECTS` (every row a reader could not use, per file, with its line, rule
and text), :data:`REREAD` (a file read again for its rows' original text),
:data:`REJECTED` and :data:`REJECT_TEXTS` (a file's rejected rows on their way to
``rejected_rows``).
"""

from __future__ import annotations

READER_REJECTS = "cl_reader_rejects"
READER_SCANS = "cl_reader_scans"
PARSE_REJECTS = "cl_parse_rejects"
REREAD = "cl_reread"
REJECTED = "cl_rejected"
REJECT_TEXTS = "cl_texts"


class _Named:
    """Names of one kind of temporary object: ``name(key)`` fills ``pattern`` with the key."""

    def __init__(self, pattern: str, holds: str):
        self.pattern = pattern
        self.__doc__ = holds

    def __call__(self, key) -> str:
        return self.pattern.format(key)


staged = _Named("stage_{}_t", "Table of every row read for an entity, typed and checked row by row.")
stage = _Named("stage_{}", "View of the staged rows with each row's line in its file.")
cross = _Named("cross_{}", "Table of the cross-row problems of an entity's staged rows.")
accepted = _Named("accepted_{}", "View of an entity's staged rows that broke no rule.")
classified = _Named("classified_{}", "Table of accepted rows with the action the upsert takes for each.")
raw_file = _Named("f{}", "File i read as text columns.")
line_marks = _Named("x{}", "For file i: rows after which a quoted field spanned lines.")
line_offsets = _Named("y{}", "For file i: extra lines to add from each row on.")
numbered = _Named("n{}", "File i's rows with their line numbers.")


def is_direct(con, entity: str) -> bool:
    """Whether ``entity``'s staging table is the database table that becomes its stored table
    (rather than a temporary one whose accepted rows are copied)."""
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
                       "AND table_name = $t", {"t": staged(entity)}).fetchone()[0] > 0


def drop_all(con) -> int:
    """Drop every temporary table and view of this connection; return how many.

    Called once the load's rows are stored and its rejects recorded, before the marts: the
    staging tables hold every row read (about 1 GB at 2M calls), and left in memory they push
    the marts' windows and joins past the load's memory cap, into spilling to disk.
    Temporary macros (the ETL's parsing helpers) are kept.
    """
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    for (name,) in views:
        con.execute(f'DROP VIEW IF EXISTS temp."{name.replace(chr(34), chr(34) * 2)}"')
    for (name,) in tables:
        con.execute(f'DROP TABLE IF EXISTS temp."{name.replace(chr(34), chr(34) * 2)}"')
    return len(views) + len(tables)
