"""Write a validated load into the database: entity tables by key, rejected rows, batch records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from calmline.etl.contract import SQL_TYPES, Entity, entities
from calmline.etl.sql_text import file_path_case, q
from calmline.queries import load_sql
from calmline.etl import work_tables
from calmline.etl.staging import line_sql

LINEAGE = ("_batch_id", "_source_file", "_source_line")
"""Columns every entity table carries: which batch, file and line last wrote the row."""


@dataclass
class Written:
    """How one file's accepted rows landed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create calmline's tables where missing, and add contract columns a table lacks
    (idempotent). Writes the bookkeeping and entity tables."""
    con.execute(load_sql("etl/schema"))
    con.execute(load_sql("notify/notifications_schema"))  # `calmline notify`'s deliveries: in every database
    for entity in entities():
        cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.kind]}" for c in entity.columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {entity.name} ({cols}, "
                    f"_batch_id INTEGER, _source_file VARCHAR, _source_line BIGINT)")
        for c in entity.columns:  # a column the contract gained since the table was made
            con.execute(f"ALTER TABLE {entity.name} ADD COLUMN IF NOT EXISTS {q(c.name)} {SQL_TYPES[c.kind]}")


def upsert(con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: int,
           files: dict[int, str]) -> dict[int, Written]:
    """Insert new keys, replace changed rows, leave identical rows alone.

    Reads ``work_tables.accepted(entity)``; writes the entity's table (through
    ``work_tables.classified(entity)`` when it already has rows). Returns the counts per
    ``_file_idx``.
    """
    name = entity.name
    cols = [q(c.name) for c in entity.columns]
    into = f"{name} ({', '.join(cols + list(LINEAGE))})"
    on = " AND ".join(f"a.{q(k)} = t.{q(k)}" for k in entity.key)
    same = " AND ".join(f"a.{c} IS NOT DISTINCT FROM t.{c}" for c in cols)
    counts: dict[int, Written] = {i: Written() for i in files}
    if work_tables.is_direct(con, name):
        # The staging table becomes the stored table (adopt): nothing to copy.
        for idx, n in con.execute(f"SELECT _file_idx, count(*) FROM {work_tables.accepted(name)} "
                                  f"GROUP BY ALL").fetchall():
            counts[idx].inserted = n
        return counts
    path = file_path_case("_file_idx", files)
    if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchone()[0] == 0:
        con.execute(f"INSERT INTO {into} SELECT {', '.join(cols)}, $batch, {path}, _line "
                    f"FROM {work_tables.accepted(name)}", {"batch": batch_id})
        for idx, n in con.execute(f"SELECT _file_idx, count(*) FROM {work_tables.accepted(name)} GROUP BY ALL").fetchall():
            counts[idx].inserted = n
        return counts
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work_tables.classified(name)} AS "
        f"SELECT a.*, CASE WHEN t.{q(entity.key[0])} IS NULL THEN 'inserted' "
        f"WHEN {same} THEN 'unchanged' ELSE 'updated' END AS action "
        f"FROM {work_tables.accepted(name)} a LEFT JOIN {name} t ON {on}"
    )
    key_match = " AND ".join(f"{name}.{q(k)} = c.{q(k)}" for k in entity.key)
    con.execute(f"DELETE FROM {name} USING {work_tables.classified(name)} c "
                f"WHERE c.action = 'updated' AND {key_match}")
    con.execute(
        f"INSERT INTO {into} SELECT {', '.join(cols)}, $batch, {path}, _line "
        f"FROM {work_tables.classified(name)} WHERE action <> 'unchanged'",
        {"batch": batch_id},
    )
    for idx, action, n in con.execute(
        f"SELECT _file_idx, action, count(*) FROM {work_tables.classified(name)} GROUP BY ALL"
    ).fetchall():
        setattr(counts[idx], action, n)
    con.execute(f"DROP TABLE {work_tables.classified(name)}")
    return counts


def adopt(con: duckdb.DuckDBPyConnection, entity: Entity, firsts: dict[int, int]) -> None:
    """Make an entity's directly staged rows its stored table, once every row is accounted for.

    Reads and writes ``work_tables.staged(entity)`` when it is the database table
    (:func:`calmline.etl.work_tables.is_direct`; otherwise does nothing): fills
    ``_source_line``, deletes the rows that were not accepted (a per-row rule broken, or a
    cross-row one in ``work_tables.cross(entity)``), drops the staging columns and puts the
    table in place of the entity's empty stored table. The result holds what :func:`upsert`
    would have inserted, in the same columns.

    Parameters
    ----------
    firsts : dict
        ``_file_idx`` -> the rowid of the file's first staged row (as
        :class:`calmline.etl.staging.StagedFile` holds it).
    """
    name = entity.name
    if not work_tables.is_direct(con, name):
        return
    table = f"main.{work_tables.staged(name)}"
    con.execute(f"UPDATE {table} SET _source_line = {line_sql(firsts)}")
    con.execute(f"DELETE FROM {table} s WHERE NOT _ok OR EXISTS (SELECT 1 FROM {work_tables.cross(name)} x "
                f"WHERE x._file_idx = s._file_idx AND x._line = s._source_line)")
    for column in ("_file_idx", "_line", "_ok", "problems", "_text"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.execute(f"DROP TABLE main.{name}")
    con.execute(f"ALTER TABLE {table} RENAME TO {name}")


def write_rejects(con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: int, i: int,
                  path: str, texts: Callable[[], None]) -> int:
    """Record every row of file ``i`` that was not loaded; return how many rows that is.

    Reads ``work_tables.PARSE_REJECTS``, ``work_tables.stage(entity)`` and
    ``work_tables.cross(entity)``; writes ``rejected_rows`` (through ``work_tables.REJECTED``
    and ``REJECT_TEXTS``). Set-wise: the cost does not grow with Python work per row.

    ``texts()`` fills ``work_tables.REJECT_TEXTS`` (line, t) with the rows as written at the
    lines of ``work_tables.REJECTED`` that have no text (rows that passed the per-row rules
    but broke a cross-row one, and CSV rows, whose text is not carried through staging).
    """
    con.execute(
        f"INSERT INTO rejected_rows SELECT $batch, $entity, $path, line, column_name, rule, "
        f"coalesce(column_name || ': ', '') || rule, text FROM {work_tables.PARSE_REJECTS} "
        f"WHERE _file_idx = $i",
        {"batch": batch_id, "entity": entity.name, "path": path, "i": i},
    )
    parsed = con.execute(f"SELECT count(*) FROM {work_tables.PARSE_REJECTS} WHERE _file_idx = $i",
                         {"i": i}).fetchone()[0]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {work_tables.REJECTED} AS
        WITH per_problem AS (
            SELECT _line, _text, generate_subscripts(problems, 1) AS pos, unnest(problems) AS p
            FROM {work_tables.stage(entity.name)} WHERE _file_idx = $i AND NOT _ok
            UNION ALL
            SELECT _line, NULL, 1000 + row_number() OVER (PARTITION BY _line ORDER BY "column"),
                   {{'column': "column", 'rule': rule}}
            FROM {work_tables.cross(entity.name)} WHERE _file_idx = $i
        )
        SELECT _line, max(_text) AS _text,
               arg_min(p."column", pos) AS column_name, arg_min(p.rule, pos) AS rule,
               string_agg(p."column" || ': ' || p.rule, '; ' ORDER BY pos) AS problems
        FROM per_problem GROUP BY _line
        """,
        {"i": i},
    )
    rejected = con.execute(f"SELECT count(*), count(*) FILTER (_text IS NULL) "
                           f"FROM {work_tables.REJECTED}").fetchone()
    if rejected[1]:
        texts()
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.REJECT_TEXTS} (line BIGINT, t VARCHAR)")
    con.execute(
        "INSERT INTO rejected_rows SELECT $batch, $entity, $path, r._line, r.column_name, r.rule, "
        f"r.problems, coalesce(r._text, t.t) FROM {work_tables.REJECTED} r "
        f"LEFT JOIN {work_tables.REJECT_TEXTS} t ON t.line = r._line",
        {"batch": batch_id, "entity": entity.name, "path": path},
    )
    return parsed + rejected[0]
