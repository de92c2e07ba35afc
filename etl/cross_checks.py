"""Rules that look beyond one row: duplicate keys, references to other entities, order in time.

Each check adds rows to ``cross_<entity>`` (``_file_idx``, ``_line``, column,
rule). ``accepted_<entity>`` is then every staged row that broke no rule at
all, which is what children's references are checked against (together with
what earlier loads stored).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from calmline.etl import contract
from calmline.etl.contract import Entity
from calmline.etl.sql_text import file_path_case, lit, q
from calmline.etl import work_tables


def check_entity(con: duckdb.DuckDBPyConnection, entity: Entity, files: dict[int, str],
                 staged: set[str], as_of_limit: date | None, as_of_explicit: bool,
                 every_file: dict[int, str] | None = None) -> None:
    """Check the rules across rows; fill ``work_tables.cross(entity)`` and create the view
    ``work_tables.accepted(entity)``. Reads ``work_tables.stage(entity)``, the accepted views
    of the entities in ``staged`` and the stored tables.

    Parameters
    ----------
    files : dict
        ``_file_idx`` -> the file's path as shown to users, for "first seen at" messages.
    staged : set of str
        Entities that have an ``accepted_`` view in this load already.
    as_of_limit : date, optional
        Calls must start on or before this date (the as-of date, or today when
        the as-of date is taken from the data).
    every_file : dict, optional
        ``_file_idx`` -> path as shown, for every file of this load: a reference to a row
        rejected in a parent's file names that file and line.
    """
    name = entity.name
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.cross(name)} (_file_idx INTEGER, _line BIGINT, "
                f"\"column\" VARCHAR, rule VARCHAR)")
    clean = f"(SELECT * FROM {work_tables.stage(name)} WHERE _ok)"
    _duplicates(con, entity, clean, files)
    for column in entity.columns:
        if column.references:
            _reference(con, entity, column.name, column.references, clean, staged, every_file or files)
    if name == "calls" and as_of_limit is not None:
        limit = as_of_limit + timedelta(days=1)
        what = "after the as-of date" if as_of_explicit else "in the future"
        con.execute(
            f"INSERT INTO {work_tables.cross(name)} SELECT _file_idx, _line, 'started_at', "
            f"{lit(what + ' (')} || strftime(started_at, '%Y-%m-%dT%H:%M:%S') || ' > ' || "
            f"{lit(as_of_limit.isoformat())} || ')' FROM {clean} s WHERE started_at >= $limit",
            {"limit": limit},
        )
    if name == "follow_ups":
        con.execute(
            f"INSERT INTO {work_tables.cross(name)} SELECT s._file_idx, s._line, 'followup_at', "
            f"'before the call started (' || strftime(c.started_at, '%Y-%m-%dT%H:%M:%S') || ')' "
            f"FROM {clean} s JOIN ({_known_keys(contract.entity('calls'), 'call_id, started_at', staged)}) c "
            f"USING (call_id) WHERE s.followup_at < c.started_at"
        )
    any_cross = con.execute(f"SELECT count(*) FROM {work_tables.cross(name)}").fetchone()[0]
    anti = ("" if not any_cross else f" AND NOT EXISTS (SELECT 1 FROM {work_tables.cross(name)} x "
                                     f"WHERE x._file_idx = s._file_idx AND x._line = s._line)")
    # A plain filtered scan when nothing failed a cross-row rule: DuckDB then writes the
    # final insert straight to disk instead of leaving it for the checkpoint.
    con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.accepted(name)} AS "
                f"SELECT * FROM {work_tables.stage(name)} s WHERE _ok{anti}")


def _duplicates(con, entity: Entity, clean: str, files: dict[int, str]) -> None:
    keys = ", ".join(q(k) for k in entity.key)
    any_duplicate = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {clean} GROUP BY {keys} "
                                f"HAVING count(*) > 1 LIMIT 1)").fetchone()[0]
    if not any_duplicate:
        return
    label = " + ".join(entity.key)
    con.execute(
        f"INSERT INTO {work_tables.cross(entity.name)} "
        f"SELECT d._file_idx, d._line, {lit(entity.key[0])}, "
        f"'duplicate {label} (first at ' || {file_path_case('d.first_file', files)} || ':' || "
        f"d.first_line || ')' "
        f"FROM (SELECT _file_idx, _line, "
        f"  row_number() OVER w AS n, first_value(_file_idx) OVER w AS first_file, "
        f"  first_value(_line) OVER w AS first_line "
        f"  FROM {clean} WINDOW w AS (PARTITION BY {keys} ORDER BY _file_idx, _line)) d "
        f"WHERE d.n > 1"
    )


def _known_keys(parent: Entity, columns: str, staged: set[str]) -> str:
    """Rows of ``parent`` this load may refer to: accepted now, else stored earlier."""
    if parent.name not in staged:
        return f"SELECT {columns} FROM {parent.name}"
    keys = " AND ".join(f"t.{q(k)} = a.{q(k)}" for k in parent.key)
    return (f"SELECT {columns} FROM {work_tables.accepted(parent.name)} UNION ALL "
            f"SELECT {columns} FROM (SELECT t.* FROM {parent.name} t "
            f"ANTI JOIN {work_tables.accepted(parent.name)} a ON {keys})")


def _reference(con, entity: Entity, column: str, parent_name: str, clean: str,
               staged: set[str], every_file: dict[int, str]) -> None:
    """Rows whose ``column`` matches no known ``parent_name`` key. When the parent's row was in
    this load but rejected, the rule says so, with its file and line, rather than "not found"."""
    parent = contract.entity(parent_name)
    key = parent.key[0]
    rejected = "SELECT NULL::VARCHAR AS k, NULL::VARCHAR AS at WHERE false"
    if parent_name in staged and _any_rejected(con, parent_name):
        rejected = (
            f"SELECT r.{q(key)} AS k, arg_min({file_path_case('r._file_idx', every_file)} || ':' || r._line, "
            f"(r._file_idx, r._line)) AS at FROM {work_tables.stage(parent_name)} r "
            f"ANTI JOIN {work_tables.accepted(parent_name)} a ON r._file_idx = a._file_idx AND r._line = a._line "
            f"WHERE r.{q(key)} IS NOT NULL GROUP BY r.{q(key)}")
    con.execute(
        f"INSERT INTO {work_tables.cross(entity.name)} SELECT s._file_idx, s._line, {lit(column)}, "
        f"CASE WHEN x.at IS NULL THEN {lit(f'not found in {parent_name} (got ')} "
        f"ELSE {lit(f'its {parent_name} row was rejected (')} || x.at || ') (got ' END || s.{q(column)} || ')' "
        f"FROM {clean} s ANTI JOIN ({_known_keys(parent, q(key), staged)}) p "
        f"ON s.{q(column)} = p.{q(key)} LEFT JOIN ({rejected}) x ON x.k = s.{q(column)}"
    )


def _any_rejected(con, name: str) -> bool:
    """Whether this load rejected any staged row of ``name`` so far: one broke a per-row rule, or
    its cross-row checks found a problem. When none was, no reference to it can point at a
    rejected row, and :func:`_reference` skips looking for them (at 1M calls the look-up joined
    every staged call with the accepted ones: about 0.2 CPU s for the follow-ups' references)."""
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM {work_tables.staged(name)} WHERE _ok IS NOT TRUE) "
                       f"OR EXISTS (SELECT 1 FROM {work_tables.cross(name)})").fetchone()[0]
