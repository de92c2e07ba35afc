"""The ``notifications`` table: every delivery of `calmline notify` and its outcome.

The table is the run's memory: a (rule, period, recipient) with a ``sent`` row is not sent
again, a ``failed`` one is retried by the next run. It lives in the calmline database, which
the dashboard may hold open read-only, so it is written the way every writer writes
(:mod:`calmline.database.publish`): under the writer lock, into a private copy, published by
an atomic rename. One copy serves a whole run; each delivery is committed in a transaction of
its own as soon as it is attempted, and the copy is published when the run ends (also when
deliveries failed). A run killed between a delivery and the publish forgets that delivery, so
the next run sends it again: at least once, never silently lost.

Reads ``queries/notify/delivered.sql``; writes ``notifications`` with
``queries/notify/record_delivery.sql`` (created by ``queries/notify/notifications_schema.sql``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from calmline.database.connection import connect
from calmline.database.publish import staged_database
from calmline.queries import load_sql

SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt, as recorded."""

    rule: str
    kind: str
    period: str
    channel: str
    recipient: str
    status: str
    subject: str
    detail: str | None = None


def delivered(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    """The (rule, period, recipient) already sent; empty when nothing was ever recorded.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection to a calmline database (read-only is enough).

    Returns
    -------
    set of tuple
        (rule, period, recipient) of every delivery with status ``sent``.
    """
    try:
        return {tuple(row) for row in con.execute(load_sql("notify/delivered")).fetchall()}
    except duckdb.CatalogException:  # a database made before notifications existed
        return set()


def delivered_in(db: str | Path) -> set[tuple[str, str, str]]:
    """:func:`delivered` on the published database ``db``, opened read-only."""
    con = connect(db, read_only=True)
    try:
        return delivered(con)
    finally:
        con.close()


class Ledger:
    """The run's private copy of the database, open for recording deliveries."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def delivered(self) -> set[tuple[str, str, str]]:
        """:func:`delivered`, read from the copy (under the writer lock, so current)."""
        return delivered(self.con)

    def record(self, attempt: Attempt, when: datetime | None = None) -> None:
        """Append ``attempt`` to ``notifications`` in a transaction of its own.

        Parameters
        ----------
        attempt : Attempt
            What was delivered, to whom, and how it went.
        when : datetime, optional
            When it was attempted (UTC); default now.
        """
        when = when or datetime.now(timezone.utc)
        params = dict(rule=attempt.rule, kind=attempt.kind, period=attempt.period, channel=attempt.channel,
                      recipient=attempt.recipient, status=attempt.status, subject=attempt.subject,
                      detail=attempt.detail, attempted_at=when.astimezone(timezone.utc).replace(tzinfo=None))
        self.con.begin()
        try:
            self.con.execute(load_sql("notify/record_delivery"), params)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()


@contextmanager
def open_ledger(db: str | Path) -> Iterator[Ledger]:
    """Hold the writer lock and a private copy of ``db`` for one run; publish it on leaving.

    Parameters
    ----------
    db : str or Path
        The published calmline database.

    Yields
    ------
    Ledger
        For recording deliveries. An exception inside the block discards the copy.

    Raises
    ------
    calmline.database.publish.WriterBusy
        When a load, a fit or another notify run is writing the database.
    """
    with staged_database(Path(db)) as work:
        con = connect(work, read_only=False)
        try:
            con.execute(load_sql("notify/notifications_schema"))
            yield Ledger(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
