"""Every contract rule on Spark: per row, then across rows; accepted rows and rejected rows.

The per-row rules are the DuckDB engine's own (:func:`calmline.etl.validate.checks`, derived
from :mod:`calmline.etl.contract`), transpiled by :func:`calmline.spark.dialect.to_spark`: a
rule is still written once. The cross-row rules (duplicate keys, references, calls after the
as-of date, follow-ups before their call) follow :mod:`calmline.etl.cross_checks` with the same
messages, so ``rejected_rows`` reads the same on both engines. A Spark load is a full load:
references are checked against the rows of this load only (there are no stored rows to
upsert against).

Frames, per entity: :func:`stage` (every row split into fields, typed, with ``_ok`` and its
``problems``), :func:`cross_problems` and :func:`accepted`; :func:`rejected` gives the
``rejected_rows`` of a set of files.
"""

from __future__ import annotations

from datetime import date, timedelta

from calmline.etl import validate
from calmline.etl.contract import Entity, entity as contract_entity
from calmline.etl.sql_text import lit, q
from calmline.spark.dialect import to_spark


def _bq(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def stage(raw, entity: Entity, keep_unsplit: bool = False):
    """Rows of ``raw`` (:func:`calmline.spark.read.read_file` frames of one entity, unioned) the
    reader could split, typed, with ``_ok`` and ``problems`` (array of (column, rule)) as
    :mod:`calmline.etl.validate` computes them.

    With ``keep_unsplit``, the rows the reader could not split are kept too, with the reader's
    ``_parse_column`` and ``_parse_rule`` (NULL for the others; their other columns mean
    nothing): one frame to store once, split by ``_parse_rule IS NULL`` afterwards."""
    names = entity.column_names
    keep = ["_file_idx", "_line", "_text"] + (["_parse_column", "_parse_rule"] if keep_unsplit else [])
    rows = raw if keep_unsplit else raw.where("_parse_rule IS NULL")
    trimmed = rows.selectExpr(
        *keep, *[f"{to_spark('nullif(trim(' + q(n) + '), ' + lit('') + ')')} AS {_bq(n)}" for n in names])
    typed = trimmed.selectExpr(
        *keep, *[to_spark(validate._typed(c)) for c in entity.columns],
        *[f"{_bq(n)} AS {_bq('raw_' + n)}" for n in names])
    checks = [(c.name, to_spark(cond), to_spark(msg)) for c in entity.columns
              for cond, msg in validate._checks(c)]
    ok = " AND ".join(f"NOT coalesce({cond}, false)" for _, cond, _ in checks) or "true"
    problems = ", ".join(f"CASE WHEN {cond} THEN named_struct('column', {lit(col)}, 'rule', {msg}) END"
                         for col, cond, msg in checks)
    return typed.selectExpr(
        *keep, *[_bq(n) for n in names], f"{ok} AS _ok",
        f"CASE WHEN NOT ({ok}) THEN filter(array({problems}), p -> p IS NOT NULL) END AS problems")


def file_path_case(column: str, files: dict[int, str]) -> str:
    """Spark SQL mapping a file index to the file's path as users see it."""
    return f"CASE {column} " + " ".join(f"WHEN {i} THEN {lit(p)}" for i, p in files.items()) + " END"


def cross_problems(spark, entity: Entity, staged: dict, accepted_so_far: dict, files: dict[int, str],
                   as_of_limit: date | None, as_of_explicit: bool):
    """Rows that broke a rule across rows: (_file_idx, _line, column, rule).

    Parameters
    ----------
    staged : dict
        Entity name -> its :func:`stage` frame (this entity's, and its parents').
    accepted_so_far : dict
        Entity name -> the accepted rows of the parents checked before (their key columns, and
        the calls' ``started_at``: the lake's tables do).
    files : dict
        File index -> path as shown, for every file of the load.
    as_of_limit : date, optional
        Calls must start on or before it (the as-of date, or today when taken from the data).
    as_of_explicit : bool
        The as-of date was given (``--as-of``): the rule's words say so.
    """
    name = entity.name
    clean = staged[name].where("_ok")
    parts = []
    keys = ", ".join(_bq(k) for k in entity.key)
    label = " + ".join(entity.key)
    clean.createOrReplaceTempView(f"cl_clean_{name}")
    parts.append(spark.sql(
        f"SELECT _file_idx, _line, {lit(entity.key[0])} AS column, "
        f"'duplicate {label} (first at ' || {file_path_case('first_file', files)} || ':' || first_line || ')' AS rule "
        f"FROM (SELECT _file_idx, _line, row_number() OVER w AS n, first_value(_file_idx) OVER w AS first_file, "
        f"first_value(_line) OVER w AS first_line FROM cl_clean_{name} "
        f"WINDOW w AS (PARTITION BY {keys} ORDER BY _file_idx, _line)) WHERE n > 1"))
    for column in entity.columns:
        if not column.references:
            continue
        parent = contract_entity(column.references)
        key = _bq(parent.key[0])
        accepted_so_far[parent.name].createOrReplaceTempView("cl_parent_ok")
        staged[parent.name].createOrReplaceTempView("cl_parent_all")
        # The parent's first row per key: consulted only for keys no accepted parent row has,
        # whose rows were therefore all rejected (no anti join of rows needed).
        parts.append(spark.sql(
            f"WITH rejected AS (SELECT r.{key} AS k, min_by({file_path_case('r._file_idx', files)} || ':' || r._line, "
            f"struct(r._file_idx, r._line)) AS at FROM cl_parent_all r WHERE r.{key} IS NOT NULL GROUP BY r.{key}) "
            f"SELECT s._file_idx, s._line, {lit(column.name)} AS column, "
            f"CASE WHEN x.at IS NULL THEN {lit(f'not found in {parent.name} (got ')} "
            f"ELSE {lit(f'its {parent.name} row was rejected (')} || x.at || ') (got ' END || s.{_bq(column.name)} || ')' AS rule "
            f"FROM cl_clean_{name} s LEFT ANTI JOIN cl_parent_ok p ON s.{_bq(column.name)} = p.{key} "
            f"LEFT JOIN rejected x ON x.k = s.{_bq(column.name)}"))
    if name == "calls" and as_of_limit is not None:
        limit = as_of_limit + timedelta(days=1)
        what = "after the as-of date" if as_of_explicit else "in the future"
        parts.append(spark.sql(
            f"SELECT _file_idx, _line, 'started_at' AS column, {lit(what + ' (')} || "
            f"date_format(started_at, \"yyyy-MM-dd'T'HH:mm:ss\") || ' > ' || {lit(as_of_limit.isoformat())} || ')' AS rule "
            f"FROM cl_clean_{name} WHERE started_at >= TIMESTAMP_NTZ {lit(limit.isoformat() + ' 00:00:00')}"))
    if name == "follow_ups":
        accepted_so_far["calls"].createOrReplaceTempView("cl_calls_ok")
        parts.append(spark.sql(
            f"SELECT s._file_idx, s._line, 'followup_at' AS column, "
            f"'before the call started (' || date_format(c.started_at, \"yyyy-MM-dd'T'HH:mm:ss\") || ')' AS rule "
            f"FROM cl_clean_{name} s JOIN cl_calls_ok c ON s.call_id = c.call_id WHERE s.followup_at < c.started_at"))
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


def accepted(staged, cross):
    """The staged rows that broke no rule, per row or across rows."""
    return staged.where("_ok").join(cross.select("_file_idx", "_line").distinct(),
                                    ["_file_idx", "_line"], "left_anti")


def rejected(spark, entity: Entity, raw, staged, cross, files: dict[int, str], batch_id: int):
    """``rejected_rows`` of one entity's files: one row per row not loaded, every rule it broke in
    ``problems`` (per-row rules in the contract's order, then cross-row ones by column) and the
    first in ``column_name`` and ``rule``; rows the reader could not split (those of ``raw``
    with a ``_parse_rule``), with the reader's rule. Columns as the ``rejected_rows`` table
    (queries/etl/schema.sql)."""
    raw.createOrReplaceTempView("cl_raw")
    staged.createOrReplaceTempView("cl_staged")
    cross.createOrReplaceTempView("cl_cross")
    path = file_path_case("_file_idx", files)
    return spark.sql(f"""
        WITH per_problem AS (
            SELECT _file_idx, _line, _text, pos, p.column AS column, p.rule AS rule
            FROM cl_staged LATERAL VIEW posexplode(problems) t AS pos, p WHERE NOT _ok
            UNION ALL
            SELECT x._file_idx, x._line, s._text,
                   1000 + row_number() OVER (PARTITION BY x._file_idx, x._line ORDER BY x.column), x.column, x.rule
            FROM cl_cross x JOIN cl_staged s ON s._file_idx = x._file_idx AND s._line = x._line
        ), per_row AS (
            SELECT _file_idx, _line, max(_text) AS _text, min_by(column, pos) AS column_name,
                   min_by(rule, pos) AS rule,
                   array_join(transform(array_sort(collect_list(struct(pos, column || ': ' || rule AS said))),
                                        x -> x.said), '; ') AS problems
            FROM per_problem GROUP BY _file_idx, _line
        )
        SELECT CAST({batch_id} AS INT) AS batch_id, {lit(entity.name)} AS entity, {path} AS source_file,
               _line AS line, column_name, rule, problems, _text AS row_text, _file_idx
        FROM per_row
        UNION ALL
        SELECT CAST({batch_id} AS INT), {lit(entity.name)}, {path}, _line, _parse_column, _parse_rule,
               coalesce(_parse_column || ': ', '') || _parse_rule, _text, _file_idx
        FROM cl_raw WHERE _parse_rule IS NOT NULL
    """)
