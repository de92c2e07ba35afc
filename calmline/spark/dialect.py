"""DuckDB SQL, as calmline writes it, run on Spark: macros expanded, then transpiled by sqlglot.

calmline's SQL is written once, in DuckDB's dialect (queries/, and the conditions
:mod:`calmline.etl.validate` derives from the contract). :func:`to_spark` turns an expression
or query of it into Spark SQL: the ETL's parsing macros (queries/etl/macros.sql) are replaced
by their bodies, sqlglot transpiles the rest (``sqlglot.transpile(sql, read="duckdb",
write="spark")``), and a few functions whose meaning differs between the engines are rewritten
so that both give the same value for every input:

- ``isfinite(x)`` (no Spark function): ``x`` is not NaN and not infinite;
- ``regexp_full_match(x, re)`` (no Spark function): ``x RLIKE '^(?:re)$'``;
- ``TRY_CAST(x AS BIGINT)``: DuckDB reads ``'4.0'`` as 4, Spark as NULL, so the text goes
  through ``DECIMAL(38, 0)`` first (both then round a fraction the same way; the contract's
  regular expression lets only zeros through anyway);
- ``TRY_CAST(x AS DOUBLE)``: Spark, like Java, reads ``'1d'`` and ``'1f'`` as 1.0, DuckDB as
  NULL: such text gives NULL;
- ``CAST(arithmetic AS BIGINT)`` (or another integer type): DuckDB rounds the number half to
  even, Spark truncates it (``4.35 * 1e6`` is 4349999.999999999: DuckDB 4350000, Spark
  4349999), so the number goes through ``bround`` (half to even) first;
- ``TIMESTAMPTZ``: Spark's ``TIMESTAMP_LTZ`` (sqlglot writes ``TIMESTAMP``, which a session
  with ``spark.sql.timestampType = TIMESTAMP_NTZ`` reads without the offset), its text given
  seconds when it has none (Spark reads no offset after ``HH:MM``);
- ``list_sum(list(x ORDER BY k))`` (a sum in a fixed order): Spark's ``aggregate`` over the
  sorted ``collect_list`` of (k, x), the same additions in the same order;
- ``to_microseconds(n)``, ``to_days(n)`` (no Spark functions): ``n * INTERVAL '0.000001' SECOND``,
  ``n * INTERVAL '1' DAY``, exact; a CTE's ``[NOT] MATERIALIZED`` (a DuckDB planner hint) is dropped.

The marts' SQL (queries/marts/) also uses the vocabulary's macros
(:func:`calmline.etl.practice_views.macro_sql`: ``practice_pattern()``, ``upset_anger()``...),
expanded the same way, and DuckDB's ``COLUMNS('regex')`` star expression, which
:func:`to_spark` writes out as one expression per matching column of the query's input when
given ``columns_of`` (an alias ``'\1_assessed'`` is the regular expression's replacement, as
in DuckDB). ``GROUP BY ALL``, ``ORDER BY ALL``, ``SEMI JOIN`` and ``FILTER (...)`` are Spark SQL
too (Spark 3.4 and later).

Reads queries/etl/macros.sql. Imports nothing of Spark: it only writes text.
"""

from __future__ import annotations

from functools import cache

import re
from collections.abc import Callable, Sequence

import sqlglot
from sqlglot import exp

from calmline.etl.practice_views import macro_sql
from calmline.queries import load_sql


@cache
def macros() -> dict[str, tuple[tuple[str, ...], exp.Expression]]:
    """The scalar macros of queries/etl/macros.sql and of the vocabulary: name -> (parameters, body)."""
    found = {}
    for statement in sqlglot.parse(load_sql("etl/macros") + "\n" + macro_sql(), read="duckdb"):
        if isinstance(statement, exp.Create) and str(statement.args.get("kind")).upper() == "MACRO":
            name = statement.this.this.name.lower()
            found[name] = (tuple(p.name for p in statement.this.expressions), statement.expression)
    return found


def _expand(node: exp.Expression) -> exp.Expression:
    """Replace every call of a macro by its body, its parameters bound to the call's arguments."""
    def swap(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Anonymous) and n.name.lower() in macros():
            params, body = macros()[n.name.lower()]
            args = {p: _expand(a) for p, a in zip(params, n.expressions)}
            bound = body.copy().transform(
                lambda m: exp.paren(args[m.name].copy(), copy=False)
                if isinstance(m, exp.Column) and not m.table and m.name in args else m)
            return exp.paren(bound, copy=False)
        return n
    return node.transform(swap)


def _inner(node: exp.Expression) -> exp.Expression:
    """A copy of an argument, itself rewritten (a replaced node's children are not visited)."""
    return node.copy().transform(_spark_meaning)


def _spark_meaning(node: exp.Expression) -> exp.Expression:
    """Rewrite the functions whose Spark meaning differs from DuckDB's (see the module's text)."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite":
        x = node.expressions[0]
        return exp.paren(sqlglot.parse_one(
            f"NOT isnan(x) AND abs(x) <> double('inf')", read="spark").transform(
                lambda m: exp.paren(x.copy()) if isinstance(m, exp.Column) and m.name == "x" else m))
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression.name
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern})$"))
    if isinstance(node, exp.TryCast) and node.to.is_type("bigint") and not node.this.is_type("decimal"):
        inner = exp.TryCast(this=node.this, to=exp.DataType.build("DECIMAL(38, 0)"))
        return exp.TryCast(this=inner, to=exp.DataType.build("BIGINT"))
    if isinstance(node, exp.TryCast) and node.to.is_type("double"):
        guard = exp.RegexpLike(this=node.this.copy(), expression=exp.Literal.string("[dDfF]\\s*$"))
        return exp.Case(ifs=[exp.If(this=guard, true=exp.Null())], default=node)
    if (type(node) is exp.Cast and node.to.this in exp.DataType.INTEGER_TYPES
            and isinstance(node.this.unnest(), (exp.Add, exp.Sub, exp.Mul, exp.Div))):
        return exp.Cast(this=exp.func("bround", _inner(node.this)), to=node.to.copy())
    if isinstance(node, exp.ToDays):
        return exp.paren(exp.Mul(this=exp.paren(_inner(node.this)),
                                 expression=sqlglot.parse_one("INTERVAL '1' DAY", read="spark")))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # a planner hint of DuckDB's (Spark decides for itself)
        return node
    if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.is_type("timestamptz"):
        # sqlglot writes TIMESTAMP, which a calmline session reads as TIMESTAMP_NTZ (the
        # offset then dropped: '10:00+02:00' stayed 10:00 where DuckDB stores 08:00), and Spark
        # offset) and reads no offset after minutes without seconds ('10:00Z': NULL): add ':00'
        node.set("to", exp.DataType.build("TIMESTAMPLTZ"))
        node.set("this", exp.RegexpReplace(
            this=_inner(node.this), expression=exp.Literal.string(r"^([0-9-]+[T ][0-9]{2}:[0-9]{2})(?![:0-9])"),
            replacement=exp.Literal.string("$1:00")))
        return node
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_sum":
        return _ordered_sum(node)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_microseconds":
        return exp.paren(exp.Mul(this=exp.paren(_inner(node.expressions[0])),
                                 expression=sqlglot.parse_one("INTERVAL '0.000001' SECOND", read="spark")))
    return node


def _ordered_sum(node: exp.Anonymous) -> exp.Expression:
    """``list_sum(list(x ORDER BY k, ...))``: the terms added one by one in the keys' order, so
    that a sum of DOUBLEs does not depend on the order the rows come in (on either engine).
    NULL terms are skipped; NULL when there is none, as DuckDB's ``list_sum``."""
    agg = node.expressions[0] if node.expressions else None
    if not isinstance(agg, exp.ArrayAgg) or not isinstance(agg.this, exp.Order) \
            or any(o.args.get("desc") for o in agg.this.expressions):
        raise ValueError(f"list_sum needs list(x ORDER BY ascending keys) here: {node.sql(dialect='duckdb')}")
    fields = [f"'k{i}', {_inner(o.this).sql(dialect='spark')}" for i, o in enumerate(agg.this.expressions)]
    fields.append(f"'v', {_inner(agg.this.this).sql(dialect='spark')}")
    return exp.paren(sqlglot.parse_one(
        f"aggregate(array_sort(collect_list(named_struct({', '.join(fields)}))), CAST(NULL AS DOUBLE), "
        f"(acc, s) -> CASE WHEN s.v IS NULL THEN acc ELSE coalesce(acc, CAST(0 AS DOUBLE)) + s.v END)",
        read="spark"))


def _input_name(select: exp.Select) -> str:
    source = select.args.get("from_") or select.args.get("from")
    source = source.this if source is not None else None
    if not isinstance(source, exp.Table) or select.args.get("joins"):
        raise ValueError(f"COLUMNS(...) needs one table to read from: {select.sql(dialect='duckdb')[:200]}")
    return source.name


def _expand_columns(tree: exp.Expression, columns_of: Callable[[str], Sequence[str]]) -> exp.Expression:
    """Write each projection holding ``COLUMNS('regex')`` out once per matching input column."""
    for select in list(tree.find_all(exp.Select)):
        if not any(p.find(exp.Columns) for p in select.expressions):
            continue
        available = list(columns_of(_input_name(select)))
        projections = []
        for projection in select.expressions:
            star = projection.find(exp.Columns)
            if star is None:
                projections.append(projection)
                continue
            regex = star.this.unnest()  # a macro's body comes in parentheses
            if not isinstance(regex, exp.Literal) or not regex.is_string:
                raise ValueError(f"COLUMNS needs a regular expression here: {star.sql(dialect='duckdb')}")
            pattern = regex.name
            for name in (c for c in available if re.search(pattern, c)):
                one = projection.copy()
                if isinstance(one, exp.Columns):
                    one = exp.column(name, quoted=True)
                else:
                    one.find(exp.Columns).replace(exp.column(name, quoted=True))
                if isinstance(one, exp.Alias):
                    one.set("alias", exp.to_identifier(re.sub(pattern, one.alias.replace("\\", "\\"), name),
                                                       quoted=True))
                elif not isinstance(one, exp.Column):
                    one = exp.alias_(one, name, quoted=True)
                projections.append(one)
        select.set("expressions", projections)
    return tree


def to_spark(sql: str, columns_of: Callable[[str], Sequence[str]] | None = None) -> str:
    """One DuckDB expression or query of calmline's as Spark SQL.

    Parameters
    ----------
    sql : str
        DuckDB SQL: an expression (``cl_int("anger_level")``) or a SELECT.
    columns_of : callable, optional
        A table's name -> its columns, in order: needed for ``COLUMNS('regex')``.

    Returns
    -------
    str
        The same, in Spark's dialect, with the ETL's and the vocabulary's macros expanded.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = _expand(tree).transform(_spark_meaning)
    if columns_of is not None:
        tree = _expand_columns(tree, columns_of)
    return tree.sql(dialect="spark")
