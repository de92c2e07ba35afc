"""The query explorer's gate: exactly one statement, and it must be a query.

DuckDB's own parser splits the text and says what each statement is, so keywords
inside comments or strings, mixed case and stacked statements are judged as DuckDB
itself will run them. The gate exists to give a clear message; what actually stops
a statement from reading files, changing settings or writing is the configuration
of :class:`calmline.explorer.sandbox.Sandbox`.
"""

from __future__ import annotations

import threading

import duckdb

MAX_SQL_BYTES = 100_000
"""Longest statement accepted, in bytes of UTF-8."""

ALLOWED = ("Only a query can run here: one SELECT (or WITH ... SELECT, FROM ..., VALUES), "
           "DESCRIBE or SUMMARIZE.")

_parser = threading.local()


class Refused(ValueError):
    """The SQL is not allowed to run; ``str()`` is the message for the user, saying what is allowed."""


class QueryFailed(RuntimeError):
    """The SQL was accepted and failed: does not parse, hit a limit, or DuckDB raised an error.

    ``kind`` is ``"timeout"``, ``"memory"`` or ``"error"``; ``str()`` is a short message
    for the user.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self):  # travels from the query process to its parent
        return QueryFailed, (self.kind, str(self))


def _statements(sql: str) -> list:
    """DuckDB's split of ``sql``, parsed on a per-thread in-memory connection that can do nothing."""
    con = getattr(_parser, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={
            "enable_external_access": False, "autoload_known_extensions": False,
            "autoinstall_known_extensions": False, "python_enable_replacements": False,
            "lock_configuration": True})
        _parser.con = con
    return con.extract_statements(sql)


def gate(sql: str) -> str:
    """Return the one query in ``sql``, or refuse it.

    Parameters
    ----------
    sql : str
        What the user typed. Comments, whitespace and a trailing semicolon are fine.

    Returns
    -------
    str
        The statement's text as DuckDB split it (leading comments dropped), ready to
        execute with ``$name`` parameters bound.

    Raises
    ------
    Refused
        For empty text, text over :data:`MAX_SQL_BYTES`, more than one statement, or
        a statement that is not a query (COPY, ATTACH, SET, PRAGMA, CREATE, ...).
    QueryFailed
        With kind ``"error"`` when DuckDB cannot parse the SQL (the parser's message).
    """
    size = len(sql.encode("utf-8"))
    if size > MAX_SQL_BYTES:
        raise Refused(f"The statement is {size:,} bytes long; at most {MAX_SQL_BYTES:,} are "
                      f"allowed. {ALLOWED}")
    try:
        statements = _statements(sql)
    except duckdb.ParserException as exc:
        raise QueryFailed("error", str(exc).strip()) from None
    if not statements:
        raise Refused(f"There is no SQL statement to run. {ALLOWED}")
    if len(statements) > 1:
        raise Refused(f"Found {len(statements)} statements; run one at a time. {ALLOWED}")
    statement = statements[0]
    try:
        is_query = statement.type == duckdb.StatementType.SELECT
    except ValueError:  # a type the Python client has no name for (UPDATE EXTENSIONS)
        is_query = False
    if not is_query:
        words = statement.query.split()
        word = words[0].upper() if words else "This"
        hint = (" A PIVOT runs as a query when its values are listed: PIVOT t ON c IN ('a', 'b')."
                if word == "PIVOT" else "")
        raise Refused(f"{word} statements are not allowed. {ALLOWED}{hint}")
    return statement.query
