"""The saved query library: ``queries/library/*.sql``, each with a header saying what it is.

A saved query starts with a header of ``-- key: value`` comment lines::

    -- title: Churn after upset calls by month and team
    -- description: One row per month and team: ...
    -- audience: director, trainer
    -- param: start date = 2025-01-01 | First day of the period
    -- param: team text = | Team (empty = all teams)
    -- param: horizon choice(30,90,180) = 90 | Days after the call

followed by other comment lines if wanted, then one SELECT (or WITH ... SELECT).
A parameter is ``NAME TYPE = DEFAULT | HELP``, used in the SQL as ``$NAME``; TYPE is
``date``, ``int``, ``float``, ``text``, ``choice(a,b,c)`` or ``practice``. An empty
default (or an empty value) is NULL, which every query reads as "no filter".

Values are bound as DuckDB prepared-statement parameters, never formatted into the
SQL: ``con.execute(q.sql, q.bind({"team": "leeds-1"}))``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from calmline import vocabulary
from calmline.queries import ROOT

LIBRARY = ROOT / "library"
AUDIENCES = ("director", "trainer", "analyst")

_KEY = re.compile(r"--\s*(title|description|audience|param)\s*:(.*)$")
_PARAM = re.compile(r"([a-z][a-z0-9_]*)\s+(date|int|float|text|practice|choice\(([^)]*)\))"
                    r"\s*=(.*?)(?:\|(.*))?$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+")
# what DuckDB skips: string literals, quoted identifiers, comments; else a $name or a ';'
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/"
                     r"|\$([A-Za-z_][A-Za-z0-9_]*)|(;)", re.DOTALL)


@dataclass(frozen=True)
class Param:
    """One typed parameter of a saved query, bound as ``$name``.

    ``type`` is date, int, float, text, choice or practice; ``choices`` lists the allowed
    values of a choice or practice. ``default`` is the text after ``=``, None when empty.
    """

    name: str
    type: str
    default: str | None
    help: str
    choices: tuple[str, ...] = ()

    def convert(self, raw):
        """Turn an input value into the typed value to bind.

        Parameters
        ----------
        raw : str or None
            As typed by a user (a number or a date is accepted too). None, or text that
            is empty after stripping spaces, means NULL ("no filter").

        Returns
        -------
        datetime.date, int, float, str or None
            A choice whose every value is a whole number gives an int.

        Raises
        ------
        ValueError
            Naming the parameter, what it expects and what it got.
        """
        if raw is None:
            return None
        text = str(raw).strip()
        if not text:
            return None
        if self.type == "text":
            return text
        if self.type == "date":
            try:
                if _DATE.fullmatch(text):
                    return date.fromisoformat(text)
            except ValueError:
                pass
            raise ValueError(f"{self.name}: expected a date like 2025-01-31, got {text!r}")
        if self.type == "int":
            if _INT.fullmatch(text):
                return int(text)
            raise ValueError(f"{self.name}: expected a whole number like 30, got {text!r}")
        if self.type == "float":
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if math.isfinite(value):
                return value
            raise ValueError(f"{self.name}: expected a number like 2.5, got {text!r}")
        if text not in self.choices:
            raise ValueError(f"{self.name}: expected one of {', '.join(self.choices)}, got {text!r}")
        return int(text) if all(_INT.fullmatch(c) for c in self.choices) else text


@dataclass(frozen=True)
class SavedQuery:
    """One file of ``queries/library/``: its header and its SQL (the whole file text)."""

    name: str
    title: str
    description: str
    audience: tuple[str, ...]
    params: tuple[Param, ...]
    sql: str

    def bind(self, values: dict | None = None) -> dict:
        """The parameter values to pass to ``con.execute(self.sql, ...)``.

        Parameters
        ----------
        values : dict of str to str or None, optional
            Values by parameter name. A name left out takes its default; a name given
            as None or empty text is NULL (no filter).

        Returns
        -------
        dict
            Every parameter of the query, converted to its type.

        Raises
        ------
        ValueError
            For an unknown parameter name (listing the known ones) or a value not of
            the parameter's type.
        """
        values = dict(values or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            listed = ", ".join(known) or "none"
            raise ValueError(f"{self.name}: unknown parameter {', '.join(unknown)} "
                             f"(known: {listed})")
        return {name: p.convert(values.get(name, p.default))
                for name, p in known.items()}


def parse(name: str, text: str) -> SavedQuery:
    """Read a saved query's header and check it against its SQL.

    Parameters
    ----------
    name : str
        The file stem, used as the query's name and in messages.
    text : str
        The whole file.

    Returns
    -------
    SavedQuery

    Raises
    ------
    ValueError
        ``queries/library/NAME.sql line N: what is wrong`` for a missing or repeated
        key, a bad audience, parameter type or default, a repeated parameter, a ``$name``
        used but not declared or declared but not used, or SQL that is not one SELECT.
    """
    where = f"queries/library/{name}.sql"

    def fail(line: int, problem: str):
        raise ValueError(f"{where} line {line}: {problem}")

    lines = text.splitlines()
    header_end = next((i for i, line in enumerate(lines) if not line.lstrip().startswith("--")),
                      len(lines))
    keys: dict[str, tuple[int, str]] = {}
    params: dict[str, tuple[int, Param]] = {}
    for number, line in enumerate(lines[:header_end], start=1):
        match = _KEY.match(line.strip())
        if not match:
            continue
        key, value = match[1], match[2].strip()
        if key == "param":
            param = _parse_param(value, lambda problem, line=number: fail(line, problem))
            if param.name in params:
                fail(number, f"parameter {param.name} declared twice")
            params[param.name] = (number, param)
        elif key in keys:
            fail(number, f"{key} given twice")
        elif not value:
            fail(number, f"{key} is empty")
        else:
            keys[key] = (number, value)
    for key in ("title", "description", "audience"):
        if key not in keys:
            fail(header_end + 1, f"the header has no '-- {key}: ...' line")
    audience = tuple(a.strip() for a in keys["audience"][1].split(","))
    bad = [a for a in audience if a not in AUDIENCES] or len(set(audience)) < len(audience)
    if bad:
        fail(keys["audience"][0], f"audience must be a comma-separated list of "
             f"{', '.join(AUDIENCES)} without repeats, got {keys['audience'][1]!r}")

    _check_sql(lines[header_end:], header_end + 1, params, fail)
    return SavedQuery(name=name, title=keys["title"][1], description=keys["description"][1],
                      audience=audience, params=tuple(p for _, p in params.values()), sql=text)


def _check_sql(lines: list[str], first: int, params: dict, fail) -> None:
    """One SELECT whose ``$names`` are exactly the declared ones; ``first`` is its first line."""
    body = "\n".join(lines)
    used: dict[str, int] = {}
    semicolons = []
    for token in _TOKENS.finditer(body):
        line = first + body.count("\n", 0, token.start())
        if token[1]:
            used.setdefault(token[1], line)
        elif token[2]:
            semicolons.append((token.start(), line))
    code = _TOKENS.sub(lambda t: " " if t[1] is None and t[2] is None else t[0], body).strip()
    if not re.match(r"(?i)(select|with)\b", code):
        fail(first, "the SQL must be one SELECT or WITH ... SELECT")
    if semicolons:  # one trailing ';' is tolerated, and nothing but comments after it
        position, line = semicolons[0]
        if len(semicolons) > 1 or _TOKENS.sub(" ", body[position + 1:]).strip():
            fail(line, "only one SQL statement is allowed")
    for name, line in used.items():
        if name not in params:
            fail(line, f"${name} is used but not declared (add '-- param: {name} TYPE = DEFAULT | HELP')")
    for name, (line, _) in params.items():
        if name not in used:
            fail(line, f"parameter {name} is declared but the SQL never uses ${name}")


def _parse_param(spec: str, fail) -> Param:
    """One ``NAME TYPE = DEFAULT | HELP``; ``fail(problem)`` raises."""
    match = _PARAM.fullmatch(spec)
    if not match:
        fail(f"expected 'param: NAME TYPE = DEFAULT | HELP' with NAME a lowercase identifier "
             f"and TYPE one of date, int, float, text, choice(a,b,c), practice; got {spec!r}")
    name, kind, listed, default, help_text = match.groups()
    choices: tuple[str, ...] = ()
    if listed is not None:
        kind, choices = "choice", tuple(c.strip() for c in listed.split(","))
        if not all(choices) or len(set(choices)) < len(choices):
            fail(f"choice({listed}) must list distinct, non-empty values")
    elif kind == "practice":
        choices = vocabulary.practice_names()
    param = Param(name=name, type=kind, default=default.strip() or None,
                  help=(help_text or "").strip(), choices=choices)
    try:
        param.convert(param.default)
    except ValueError as exc:
        fail(f"bad default: {exc}")
    return param


@cache
def library() -> dict[str, SavedQuery]:
    """Every saved query of ``queries/library/``, by name (the file stem), sorted by name.

    Returns
    -------
    dict of str to SavedQuery
        Read and checked once per process; treat it as read-only.

    Raises
    ------
    ValueError
        If a file's header is malformed (see :func:`parse`).
    """
    return {path.stem: parse(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(LIBRARY.glob("*.sql"))}
