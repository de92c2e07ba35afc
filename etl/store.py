"""Write a validated load into the database: entity tables by key, rejected rows, batch records."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.contract import ENTITIES, SQL_TYPES, Entity
from etl.read_raw import ParseReject
from etl.sql_text import insert_many, q
from queries import load_sql

LINEAGE = ("_batch_id", "_source_file", "_source_line")
"""Columns every entity table carries: which batch, file and line last wrote the row."""


@dataclass
class Written:
    """How one file's accepted rows landed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create calmline's tables where missing (idempotent)."""
    con.execute(load_sql("etl/schema"))
    for entity in ENTITIES:
        cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.kind]}" for c in entity.columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {entity.name} ({cols}, "
                    f"_batch_id INTEGER, _source_file VARCHAR, _source_line BIGINT)")


def upsert(con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: int,
           files: dict[int, str]) -> dict[int, Written]:
    """Insert new keys, replace changed rows, leave identical rows alone.

    Returns the counts per ``_file_idx``.
    """
    name = entity.name
    cols = [q(c.name) for c in entity.columns]
    on = " AND ".join(f"a.{q(k)} = t.{q(k)}" for k in entity.key)
    same = " AND ".join(f"a.{c} IS NOT DISTINCT FROM t.{c}" for c in cols)
    con.execute("CREATE OR REPLACE TEMP TABLE cl_files (idx INTEGER, path VARCHAR)")
    insert_many(con, "INSERT INTO cl_files VALUES (?, ?)", list(files.items()))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE classified_{name} AS "
        f"SELECT a.*, CASE WHEN t.{q(entity.key[0])} IS NULL THEN 'inserted' "
        f"WHEN {same} THEN 'unchanged' ELSE 'updated' END AS action "
        f"FROM accepted_{name} a LEFT JOIN {name} t ON {on}"
    )
    key_match = " AND ".join(f"{name}.{q(k)} = c.{q(k)}" for k in entity.key)
    con.execute(f"DELETE FROM {name} USING classified_{name} c "
                f"WHERE c.action = 'updated' AND {key_match}")
    con.execute(
        f"INSERT INTO {name} SELECT {', '.join('c.' + c for c in cols)}, $batch, f.path, c._line "
        f"FROM classified_{name} c JOIN cl_files f ON f.idx = c._file_idx "
        f"WHERE c.action <> 'unchanged'",
        {"batch": batch_id},
    )
    counts: dict[int, Written] = {i: Written() for i in files}
    for idx, action, n in con.execute(
        f"SELECT _file_idx, action, count(*) FROM classified_{name} GROUP BY ALL"
    ).fetchall():
        setattr(counts[idx], action, n)
    con.execute(f"DROP TABLE classified_{name}")
    return counts


def write_rejects(con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: int, i: int,
                  path: str, parse_rejects: list[ParseReject]) -> int:
    """Record every row of file ``i`` that was not loaded; return how many rows that is."""
    insert_many(con, 
        "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, entity.name, path, r.line, r.column, r.rule,
          (f"{r.column}: " if r.column else "") + r.rule, r.text) for r in parse_rejects],
    )
    con.execute(
        f"""
        INSERT INTO rejected_rows
        WITH problems AS (
            SELECT _line, unnest(problems, recursive := true) FROM stage_{entity.name}
            WHERE _file_idx = $i AND len(problems) > 0
            UNION ALL
            SELECT _line, "column", rule FROM cross_{entity.name} WHERE _file_idx = $i
        ),
        per_row AS (
            SELECT _line, first("column" ORDER BY rn) AS column_name, first(rule ORDER BY rn) AS rule,
                   string_agg("column" || ': ' || rule, '; ' ORDER BY rn) AS problems
            FROM (SELECT *, row_number() OVER () AS rn FROM problems) GROUP BY _line
        )
        SELECT $batch, $entity, $path, p._line, p.column_name, p.rule, p.problems, r._text
        FROM per_row p LEFT JOIN (SELECT _line, _text FROM raw{i}
                                  WHERE _line IN (SELECT _line FROM per_row)) r USING (_line)
        """,
        {"i": i, "batch": batch_id, "entity": entity.name, "path": path},
    )
    return con.execute("SELECT count(*) FROM rejected_rows WHERE batch_id = $b AND source_file = $p",
                       {"b": batch_id, "p": path}).fetchone()[0]
