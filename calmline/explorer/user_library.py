"""Each analyst's own library of saved explorer queries, shareable by link.

The analytics database is written only by ``calmline etl`` and ``calmline fit``, and replaced
whole when they publish, so what users save lives in a small store of its own: an SQLite file
beside the database (:func:`default_path`). SQLite because several server processes (gunicorn
workers) and threads write it at once: every call opens its own connection, the file is in WAL
mode (readers never wait for a writer) and a writer waits up to :data:`BUSY_SECONDS` for
another's lock instead of failing. SQLite answers some races "busy" without waiting (a
connection opening while the last one closes and checkpoints, two first users switching a new
file to WAL at once), so a call that meets one is run again, from a new connection, until
:data:`BUSY_SECONDS` have passed: every call is one transaction, so running it again is safe.

An entry belongs to its owner: the signed-in user's name with sign-in, :data:`LOCAL_OWNER`
without (a server without sign-in only listens on loopback, so whoever uses it shares one
library). Saving under a title the owner already used replaces that entry and keeps its id,
so a link to it stays good. The id is random (96 bits): the link is the permission, as with a
shared document. Anyone who may use the explorer and has the link can open the entry and run
it or save a copy under their own name; only its owner can change or delete it.

What is stored is a run request as the explorer makes it: ``{"kind": "sql", "sql": ...}`` or
``{"kind": "saved", "name": ..., "params": {...}}`` (a query of ``queries/library/`` with
its parameter values). Nothing here runs SQL: opening an entry only fills the explorer, whose
sandbox runs it (:mod:`calmline.explorer.sandbox`).
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

LOCAL_OWNER = "local"
"""The owner of every entry on a server without sign-in."""
MAX_TITLE = 200
"""Characters a title may have."""
MAX_SQL = 100_000
"""Characters of SQL an entry may hold."""
MAX_PARAMS = 50
"""Parameter values an entry may hold (a saved query has a handful)."""
MAX_PER_OWNER = 1_000
"""Entries one owner may keep."""
BUSY_SECONDS = 10.0
"""How long a write waits for another process's lock before giving up."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_queries (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner, title)
)
"""


class LibraryError(ValueError):
    """An entry cannot be saved or changed; the message says why, in the user's words."""


@dataclass(frozen=True)
class Entry:
    """One saved query of a user's library."""

    id: str
    owner: str
    title: str
    request: dict
    created_at: str
    updated_at: str

    def describe(self) -> str:
        """What the entry runs, in a line (``"SQL: SELECT ..."`` or ``"saved: NAME team=a"``)."""
        if self.request["kind"] == "sql":
            return "SQL: " + " ".join(self.request["sql"].split())[:200]
        values = ", ".join(f"{k}={v}" for k, v in self.request["params"].items() if v is not None)
        return f"saved query {self.request['name']}" + (f" ({values})" if values else "")


def default_path(db: Path) -> Path:
    """Where the user library of the database ``db`` lives: beside it, ``<name>.user-library.sqlite``."""
    db = Path(db)
    return db.with_name(db.name + ".user-library.sqlite")


def owner_of(username: str | None) -> str:
    """The library owner for a signed-in ``username`` (None: no sign-in, :data:`LOCAL_OWNER`)."""
    return username if username else LOCAL_OWNER


def clean_title(title) -> str:
    """A title as stored: spaces collapsed, no control characters, at most :data:`MAX_TITLE` long.

    Raises
    ------
    LibraryError
        If nothing is left, or it is too long.
    """
    text = " ".join("".join(c for c in str(title or "") if unicodedata.category(c)[0] != "C").split())
    if not text:
        raise LibraryError("Give the query a title.")
    if len(text) > MAX_TITLE:
        raise LibraryError(f"A title has at most {MAX_TITLE} characters; this one has {len(text)}.")
    return text


def clean_request(request) -> dict:
    """A run request as stored: only the keys the explorer uses, each of the right type and size.

    Raises
    ------
    LibraryError
        For anything that is not a run request the explorer would make.
    """
    if not isinstance(request, dict) or request.get("kind") not in ("sql", "saved"):
        raise LibraryError("Run a query first; its SQL or saved query and parameters are what is saved.")
    if request["kind"] == "sql":
        sql = request.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise LibraryError("There is no SQL to save.")
        if len(sql) > MAX_SQL:
            raise LibraryError(f"The SQL is longer than {MAX_SQL:,} characters.")
        return {"kind": "sql", "sql": sql}
    name, params = request.get("name"), request.get("params") or {}
    if not isinstance(name, str) or not name or len(name) > 200:
        raise LibraryError("Pick a saved query first.")
    if (not isinstance(params, dict) or len(params) > MAX_PARAMS
            or not all(isinstance(k, str) and len(k) <= 100 and (v is None or isinstance(v, str) and len(v) <= 1000)
                       for k, v in params.items())):
        raise LibraryError("The saved query's parameters cannot be stored.")
    return {"kind": "saved", "name": name, "params": dict(params)}


class UserLibrary:
    """The saved queries of every user of one database, in the SQLite file at ``path``.

    Parameters
    ----------
    path : pathlib.Path
        The file; it and its table are created on first use.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode = WAL")
        con.execute(_SCHEMA)
        return con

    def _run(self, work):
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                return self._once(work)
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise LibraryError(f"The library of saved queries cannot be opened ({exc}).") from None
            except sqlite3.Error as exc:
                raise LibraryError(f"The library of saved queries cannot be opened ({exc}).") from None
            time.sleep(random.uniform(0.005, 0.05))

    def _once(self, work):
        con = self._connect()
        try:
            return work(con)
        finally:
            con.close()

    def save(self, owner: str, title, request: dict) -> Entry:
        """Save ``request`` in ``owner``'s library under ``title``.

        Parameters
        ----------
        owner : str
            From :func:`owner_of`.
        title : str
            Shown to users as text (never as HTML); cleaned by :func:`clean_title`.
        request : dict
            A run request (see the module docstring), checked by :func:`clean_request`.

        Returns
        -------
        Entry
            The entry saved: new, or the owner's entry of the same title replaced (same id).

        Raises
        ------
        LibraryError
            For a bad title or request, or an owner whose library is full.
        """
        title, request = clean_title(title), clean_request(request)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        text = json.dumps(request, sort_keys=True)

        def work(con):
            con.execute("BEGIN IMMEDIATE")  # the count and the insert see the same library
            try:
                row = con.execute("SELECT id FROM saved_queries WHERE owner = ? AND title = ?",
                                  (owner, title)).fetchone()
                if row is None:
                    count = con.execute("SELECT count(*) FROM saved_queries WHERE owner = ?", (owner,)).fetchone()[0]
                    if count >= MAX_PER_OWNER:
                        raise LibraryError(f"Your library holds {MAX_PER_OWNER:,} queries, the most it may; "
                                           "delete some first.")
                    ident = secrets.token_urlsafe(12)
                    con.execute("INSERT INTO saved_queries VALUES (?, ?, ?, ?, ?, ?)",
                                (ident, owner, title, text, now, now))
                else:
                    ident = row["id"]
                    con.execute("UPDATE saved_queries SET request = ?, updated_at = ? WHERE id = ?", (text, now, ident))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return ident

        return self.get(self._run(work))

    def get(self, ident) -> Entry | None:
        """The entry with id ``ident``, whoever owns it; None when there is none (or ``ident`` is not an id)."""
        if not isinstance(ident, str) or not 8 <= len(ident) <= 40:
            return None
        row = self._run(lambda con: con.execute("SELECT * FROM saved_queries WHERE id = ?", (ident,)).fetchone())
        return _entry(row) if row is not None else None

    def mine(self, owner: str) -> list[Entry]:
        """``owner``'s entries, the most recently saved first."""
        rows = self._run(lambda con: con.execute(
            "SELECT * FROM saved_queries WHERE owner = ? ORDER BY updated_at DESC, title", (owner,)).fetchall())
        return [_entry(row) for row in rows]

    def delete(self, owner: str, ident: str) -> bool:
        """Delete entry ``ident`` if ``owner`` owns it; whether it was deleted."""
        deleted = self._run(lambda con: con.execute("DELETE FROM saved_queries WHERE id = ? AND owner = ?",
                                                    (ident, owner)).rowcount)
        return bool(deleted)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether ``exc`` is another connection's lock (SQLITE_BUSY or SQLITE_LOCKED), which passes."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _entry(row) -> Entry:
    return Entry(id=row["id"], owner=row["owner"], title=row["title"], request=json.loads(row["request"]),
                 created_at=row["created_at"], updated_at=row["updated_at"])

