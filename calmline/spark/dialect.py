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
  NULL: such text gives NULL.

Reads queries/etl/macros.sql. Imports nothing of Spark: it only writes text.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp

from calmline.queries import load_sql


@cache
def macros() -> dict[str, tuple[tuple[str, ...], exp.Expression]]:
    """The scalar macros of queries/etl/macros.sql: name -> (parameters, body)."""
    found = {}
    for statement in sqlglot.parse(load_sql("etl/macros"), read="duckdb"):
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
    return node


def to_spark(sql: str) -> str:
    """One DuckDB expression or query of calmline's as Spark SQL.

    Parameters
    ----------
    sql : str
        DuckDB SQL: an expression (``cl_int("anger_level")``) or a SELECT.

    Returns
    -------
    str
        The same, in Spark's dialect, with the ETL's macros expanded.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = _expand(tree).transform(_spark_meaning)
    return tree.sql(dialect="spark")
