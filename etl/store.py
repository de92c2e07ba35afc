"""Write a validated load into the database: entity tables by key, rejected rows, batch records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from calmline.etl.contract import ENTITIES, SQL_TYPES, Entity
from calmline.etl.read_raw import ParseReject
from calmline.etl.sql_text import file_path_case, insert_many, q
from calmline.queries import load_sql

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
    counts: dict[int, Written] = {i: Written() for i in files}
    path = file_path_case("_file_idx", files)
    if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchone()[0] == 0:
        con.execute(f"INSERT INTO {name} SELECT {', '.join(cols)}, $batch, {path}, _line "
                    f"FROM accepted_{name}", {"batch": batch_id})
        for idx, n in con.execute(f"SELECT _file_idx, count(*) FROM accepted_{name} GROUP BY ALL").fetchall():
            counts[idx].inserted = n
        return counts
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
        f"INSERT INTO {name} SELECT {', '.join(cols)}, $batch, {path}, _line "
        f"FROM classified_{name} WHERE action <> 'unchanged'",
        {"batch": batch_id},
    )
    for idx, action, n in con.execute(
        f"SELECT _file_idx, action, count(*) FROM classified_{name} GROUP BY ALL"
    ).fetchall():
        setattr(counts[idx], action, n)
    con.execute(f"DROP TABLE classified_{name}")
    return counts


def write_rejects(con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: int, i: int,
                  path: str, parse_rejects: list[ParseReject],
                  texts: Callable[[list[int]], dict[int, str]]) -> int:
    """Record every row of file ``i`` that was not loaded; return how many rows that is.

    ``texts(lines)`` returns the rows at ``lines`` as written, for rows that
    passed the per-row rules but broke a cross-row one.
    """
    insert_many(
        con, "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, entity.name, path, r.line, r.column, r.rule,
          (f"{r.column}: " if r.column else "") + r.rule, r.text) for r in parse_rejects],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cl_rejected AS
        WITH per_problem AS (
            SELECT _line, _text, generate_subscripts(problems, 1) AS pos, unnest(problems) AS p
            FROM stage_{entity.name} WHERE _file_idx = $i AND NOT _ok
            UNION ALL
            SELECT _line, NULL, 1000 + row_number() OVER (PARTITION BY _line ORDER BY "column"),
                   {{'column': "column", 'rule': rule}}
            FROM cross_{entity.name} WHERE _file_idx = $i
        )
        SELECT _line, max(_text) AS _text,
               arg_min(p."column", pos) AS column_name, arg_min(p.rule, pos) AS rule,
               string_agg(p."column" || ': ' || p.rule, '; ' ORDER BY pos) AS problems
        FROM per_problem GROUP BY _line
        """,
        {"i": i},
    )
    missing = [n for (n,) in con.execute("SELECT _line FROM cl_rejected WHERE _text IS NULL").fetchall()]
    found = texts(missing)
    con.execute("CREATE OR REPLACE TEMP TABLE cl_texts (line BIGINT, t VARCHAR)")
    insert_many(con, "INSERT INTO cl_texts VALUES (?, ?)", list(found.items()))
    con.execute(
        "INSERT INTO rejected_rows SELECT $batch, $entity, $path, r._line, r.column_name, r.rule, "
        "r.problems, coalesce(r._text, t.t) FROM cl_rejected r LEFT JOIN cl_texts t ON t.line = r._line",
        {"batch": batch_id, "entity": entity.name, "path": path},
    )
    return len(parse_rejects) + con.execute("SELECT count(*) FROM cl_rejected").fetchone()[0]
