"""Masking personal data in transcript text before it is stored (``redact=True``).

A DuckDB macro, ``tx_redact(text)``, so that the same masking runs set-wise inside the
reader's single INSERT and anyone can read what it does:

- e-mail addresses become ``[email]``;
- card-like numbers (13 to 19 digits, spaces or dashes allowed between them) become ``[card]``;
- every other digit becomes ``#``.

Spelled-out numbers ("oh seven seven") are not masked: they are words, and masking words
would also mask the conversation detection reads.
"""

from __future__ import annotations

import duckdb

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
CARD = r"\b\d(?:[ -]?\d){12,18}\b"


def create_redact_macro(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the temporary macro ``tx_redact(text)`` on ``con``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection the reader writes through.
    """
    con.execute(
        "CREATE OR REPLACE TEMP MACRO tx_redact(t) AS "
        "regexp_replace(regexp_replace(regexp_replace(t, $email, '[email]', 'g'), "
        "$card, '[card]', 'g'), '[0-9]', '#', 'g')".replace("$email", _lit(EMAIL)).replace("$card", _lit(CARD)))


def _lit(text: str) -> str:
    """``text`` as a SQL string literal (macros cannot take bound parameters)."""
    return "'" + text.replace("'", "''") + "'"
