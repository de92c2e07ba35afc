"""The query explorer's engine: analysts' SQL on a locked-down, read-only DuckDB of its own.

Each :class:`Sandbox` is a private in-memory DuckDB instance that ATTACHes the published
database file READ_ONLY and USEs it. Before any user SQL it is configured: extension
autoload/autoinstall and community extensions off, Python replacement scans off (no
DataFrame or variable of the process can be named in SQL), ``threads``, ``memory_limit``,
``max_execution_time`` (DuckDB 2.x's per-query time limit), no temp directory (no
spilling to disk), then external access off, the local file system disabled, and the
configuration locked. The effective settings are read back; if any is not as required
the constructor raises and the explorer must not be served. Only then is the data dictionary
(:mod:`calmline.explorer.dictionary`) written, with bound values, to a temporary table of the
instance, ``data_dictionary``, which analysts can query and :meth:`Sandbox.schema` reads.
:func:`calmline.explorer.gate.gate` admits exactly one query statement, for clear messages;
the settings are the boundary.

Findings (DuckDB 2.0.0, by experiment; tests/queries/test_sandbox.py keeps them true):

(a) Settings such as enable_external_access, threads, memory_limit and lock_configuration
    belong to a database *instance*, and ``duckdb.connect(path)`` shares one instance per
    path within a process. The sandbox therefore never connects to the file: its own
    ``:memory:`` instance ATTACHes it. That works with the dashboard's ordinary
    ``read_only=True`` connections to the same file open in the same process, in either
    order, and leaves their settings untouched.
(b) After ``enable_external_access = false`` the attached file stays readable (DuckDB
    puts it on ``allowed_paths``, which would also let ``read_blob()`` return the file's
    raw bytes). ``disabled_filesystems = 'LocalFileSystem'`` closes that: table
    functions can open no local file at all, while the attached database keeps reading
    through the handle it already holds.
(c) With a temp directory an in-memory instance spills past its memory limit to
    ``./.tmp`` (even with external access off). ``temp_directory = ''`` turns spilling
    off, so a huge temp table or sort fails fast with an out-of-memory error.
    ``max_execution_time`` must go in the connect config: a plain ``SET`` reached only
    that connection (its cursors ran unlimited). It counts DuckDB's execution, not time
    the client spends fetching; rows are fetched up to the cap only, and a stopped query
    leaves the connection usable. DuckDB releases the GIL meanwhile, so other threads
    run on. ``disabled_filesystems`` reads back empty even when set, so
    :meth:`Sandbox.settings` probes it. Python replacement scans are off twice over:
    ``python_enable_replacements = false`` and external access off each stop it.
(e) A database built by ``calmline etl --engine spark`` keeps its row-level tables in a lake:
    its views read ``read_parquet('<lake>/batch-<n>/<table>/*.parquet')``. For such a file
    (:func:`lake_folders` finds those folders in the views' SQL) the local file system stays on,
    but ``allowed_directories`` lists exactly those folders before external access goes off:
    DuckDB then opens files in them and nowhere else. By experiment: a path out of them through
    ``..`` or through a symlink inside them is refused, as is a sibling folder whose name starts
    the same (``calls2/``, the entries end in ``/``). What it cannot close: the attached file
    itself stays on ``allowed_paths`` (DuckDB adds it when external access goes off and refuses
    to change the list afterwards), so ``read_blob`` of the database file works on a lake
    database, and a ``COPY ... TO`` inside an allowed folder would write there; the gate admits
    one query (no COPY), so only code holding the raw connection could. ``local_file_system``
    reads back ``lake only`` then (the attached file's folder refused), ``disabled`` otherwise.
(d) An instance keeps reading the file (inode) it attached. When the ETL or a fit
    publishes a new file by rename, open a new Sandbox: it attaches the new file while
    the old one still serves its version. :meth:`Sandbox.is_current` says when to.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import duckdb
import pandas as pd

from calmline.database.connection import file_version
from calmline.explorer import dictionary
from calmline.explorer.gate import MAX_SQL_BYTES, QueryFailed, Refused, gate
from calmline.explorer.saved_queries import library

__all__ = ["MAX_SQL_BYTES", "Limits", "QueryFailed", "Refused", "Result", "Sandbox", "gate"]

_PROBED = ("local_file_system", "database_read_only")
ALIAS = "calm"
"""The name the database file is attached under (``current_database()`` in the sandbox)."""
DICTIONARY = "temp.main.data_dictionary"
"""The data dictionary analysts can query (as ``data_dictionary``), filled when a sandbox opens."""


@dataclass(frozen=True)
class Limits:
    """What one query may use: wall time of execution, memory, threads, and rows returned."""

    seconds: float = 10.0
    memory: str = "1GB"
    threads: int = 1
    display_rows: int = 10_000
    export_rows: int = 1_000_000

    def __post_init__(self) -> None:
        # max_execution_time = 0 would mean no limit at all
        if not self.seconds >= 0.001 or self.threads < 1 or min(self.display_rows, self.export_rows) < 0:
            raise ValueError(f"limits must be positive: {self}")
        _bytes(self.memory)


@dataclass
class Result:
    """A query's rows (at most ``limit``), whether more existed, and how long it took."""

    frame: pd.DataFrame
    truncated: bool
    limit: int
    seconds: float
    columns: tuple[tuple[str, str], ...] = ()
    """(name, DuckDB type) of each column, in order."""


def _bytes(text: str) -> float:
    """``'1GB'`` or ``'953.6 MiB'`` in bytes (KB = 1000, KiB = 1024, as DuckDB reads them)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(?:([KMGT])(i?)B|B|bytes)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"not a memory size: {text!r}")
    power = "KMGT".index(match[2].upper()) + 1 if match[2] else 0
    return float(match[1]) * (1024 if match[3] else 1000) ** power


def required(limits: Limits) -> dict[str, str]:
    """The settings a sandbox must read back, as DuckDB spells them (memory_limit in bytes)."""
    return {"enable_external_access": "false", "local_file_system": "disabled",
            "autoload_known_extensions": "false", "autoinstall_known_extensions": "false",
            "allow_community_extensions": "false", "python_enable_replacements": "false",
            "temp_directory": "", "threads": str(limits.threads),
            "memory_limit": str(int(_bytes(limits.memory))),
            "max_execution_time": str(round(limits.seconds * 1000)),
            "lock_configuration": "true", "database_read_only": "true"}


class Sandbox:
    """A read-only, locked-down DuckDB over one calmline database, for one thread at a time.

    Each sandbox is a DuckDB instance with its own threads and memory limit, so a process
    with N sandboxes may use N times ``limits.memory``. Timestamps are read in UTC, as
    :func:`calmline.database.connection.connect` does. Tests reach the raw connection as ``_con``.

    Parameters
    ----------
    db : str or Path
        The published database file.
    limits : Limits
        Time, memory, threads and row caps.

    Raises
    ------
    FileNotFoundError
        When there is no database file.
    RuntimeError
        Listing every setting that DuckDB does not report as required.
    """

    def __init__(self, db: str | Path, limits: Limits = Limits()) -> None:
        self.db = Path(db).resolve()
        self.limits = limits
        self.version = file_version(self.db)  # before attaching: a publish in between reopens
        if self.version is None:
            raise FileNotFoundError(f"{db}: no calmline database here; run `calmline etl` first")
        self._con = duckdb.connect(":memory:", config={
            "threads": limits.threads, "memory_limit": limits.memory,
            "max_execution_time": round(limits.seconds * 1000), "temp_directory": "",
            "autoload_known_extensions": False, "autoinstall_known_extensions": False,
            "allow_community_extensions": False, "python_enable_replacements": False})
        self.lake: tuple[str, ...] = ()
        try:
            path = str(self.db).replace("'", "''")
            for statement in (f"ATTACH '{path}' AS {ALIAS} (READ_ONLY)", f"USE {ALIAS}",
                              "SET TimeZone = 'UTC'"):
                self._con.execute(statement)
            self.lake = lake_folders(self._con)
            if self.lake:
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in self.lake)
                self._con.execute(f"SET GLOBAL allowed_directories = [{listed}]")
            self._con.execute("SET GLOBAL enable_external_access = false")
            if not self.lake:
                self._con.execute("SET GLOBAL disabled_filesystems = 'LocalFileSystem'")
            self._con.execute("SET GLOBAL lock_configuration = true")
            want, have = self._required(), self.settings()
            wrong = [f"{name} is {have.get(name)!r}, must be {value!r}" for name, value in want.items()
                     if not _same(name, have.get(name), value)]
            if wrong:
                raise RuntimeError("the query explorer's DuckDB is not locked down as required: "
                                   + "; ".join(wrong))
            self._write_dictionary()
        except BaseException:
            self._con.close()
            raise

    def _required(self) -> dict[str, str]:
        """:func:`required`, and for a lake database its folders as ``allowed_directories``
        and the local file system open to them alone."""
        want = required(self.limits)
        if self.lake:
            want.update({"allowed_directories": "[" + ", ".join(self.lake) + "]", "local_file_system": "lake only"})
        return want

    def settings(self) -> dict[str, str]:
        """The effective settings, as read back from DuckDB.

        Returns
        -------
        dict of str to str
            Every setting :func:`required` checks, spelled as ``duckdb_settings()`` gives
            it (memory_limit like ``'953.6 MiB'``), plus ``database_read_only`` from
            ``duckdb_databases()`` and ``local_file_system``: DuckDB 2.0 reads
            ``disabled_filesystems`` back as empty even when set, so this is probed by
            globbing the attached file itself (allowed to DuckDB, refused when disabled).
        """
        names = [n for n in self._required() if n not in _PROBED]
        rows = self._con.execute("SELECT name, value FROM duckdb_settings() WHERE list_contains($n, name)",
                                 {"n": names}).fetchall()
        read_only = self._con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = $a",
                                      {"a": ALIAS}).fetchone()
        local = "disabled"
        for probe, opened in ((str(self.db), "enabled"), (str(self.db.parent / "*"), "enabled")):
            try:
                self._con.execute("SELECT count(*) FROM glob($p)", {"p": probe}).fetchall()
                local = opened
            except duckdb.PermissionException:
                if local == "enabled":  # the attached file alone (allowed_paths): a lake database
                    local = "lake only"
                break
        return {**{name: value or "" for name, value in rows}, "local_file_system": local,
                "database_read_only": str(bool(read_only and read_only[0])).lower()}

    def is_current(self) -> bool:
        """False once a new database file was published at the path (reopen a Sandbox then)."""
        return file_version(self.db) == self.version

    def run(self, sql: str, params: dict | None = None, *, limit: int | None = None) -> Result:
        """Gate ``sql``, run it with ``params`` bound as ``$name`` values, and cap the rows.

        Parameters
        ----------
        sql : str
            One query (see :func:`calmline.explorer.gate.gate`).
        params : dict, optional
            Values for the query's ``$name`` parameters; always data, never SQL.
        limit : int, optional
            Most rows to return; default ``limits.display_rows``.

        Returns
        -------
        Result
            ``truncated`` is True when the query had more than ``limit`` rows.

        Raises
        ------
        Refused
            The SQL is not one query; nothing ran.
        QueryFailed
            Kind ``"timeout"``, ``"memory"`` or ``"error"``. The sandbox stays usable.
        """
        statement = gate(sql)
        limit = self.limits.display_rows if limit is None else limit
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        started = time.perf_counter()
        try:
            self._con.execute(statement, params or None)
            columns = tuple((d[0], str(d[1])) for d in self._con.description or ())
            frame = _fetch(self._con, limit + 1)
        except duckdb.InterruptException:
            raise QueryFailed("timeout", f"The query was stopped after the time limit of "
                              f"{self.limits.seconds:g} s. Narrow it down (filter, aggregate, "
                              "LIMIT) and run it again.") from None
        except duckdb.OutOfMemoryException:
            raise QueryFailed("memory", f"The query was stopped at the memory limit of "
                              f"{self.limits.memory}. Narrow it down (filter, aggregate, "
                              "fewer columns) and run it again.") from None
        except duckdb.PermissionException as exc:
            raise QueryFailed("error", "Files, URLs and extensions are not available here: the "
                              f"explorer reads the calmline database only. ({self._told(exc)})") from None
        except duckdb.Error as exc:
            raise QueryFailed("error", self._told(exc)) from None
        finally:
            self._con.abort()  # drop the rest of a streaming result and the memory it holds
        return Result(frame=_paths_hidden(frame.iloc[:limit].reset_index(drop=True), self.db),
                      truncated=len(frame) > limit, limit=limit, seconds=time.perf_counter() - started,
                      columns=columns)

    def _told(self, exc: Exception) -> str:
        """DuckDB's message for analysts: logical names instead of paths on the server, and no
        hint to INSTALL or LOAD an extension, which the explorer cannot do."""
        return for_analysts(str(exc).strip(), self.db)

    def saved(self, name: str, values: dict[str, str | None] | None = None, *,
              limit: int | None = None) -> Result:
        """Run the saved query ``name`` of ``queries/library/`` with ``values`` for its parameters.

        Raises
        ------
        ValueError
            For an unknown query name, an unknown parameter, or a value not of its type
            (naming the parameter); Refused and QueryFailed as :meth:`run`.
        """
        queries = library()
        if name not in queries:
            raise ValueError(f"no saved query called {name!r} (known: {', '.join(queries)})")
        query = queries[name]
        return self.run(query.sql, query.bind(values), limit=limit)

    def schema(self) -> pd.DataFrame:
        """Every table and view of the database with its columns, types and what they mean.

        Returns
        -------
        pandas.DataFrame
            Columns ``table``, ``kind`` (table or view), ``column``, ``type``,
            ``table_description`` and ``description`` (from :mod:`calmline.explorer.dictionary`;
            empty where none is known), tables by name, each table's columns in their order.
            The ``data_dictionary`` table analysts can query holds the same rows.
        """
        return self._con.execute(f"SELECT * FROM {DICTIONARY} ORDER BY rowid").df()

    def _write_dictionary(self) -> None:
        """Fill the ``data_dictionary`` table (a temporary table of this in-memory instance, not
        of the database file) from :func:`calmline.explorer.dictionary.data_dictionary`. The rows
        travel as bound lists: no Python object is scanned and no setting is loosened."""
        frame = dictionary.data_dictionary(self._con)
        own = pd.DataFrame({"table": "data_dictionary", "kind": "table", "column": dictionary.COLUMNS,
                            "type": "VARCHAR"})
        frame = pd.concat([frame, dictionary.describe(own)[dictionary.COLUMNS]], ignore_index=True)
        frame = frame.sort_values("table", kind="stable")
        names = ", ".join(f'"{c}" VARCHAR' for c in dictionary.COLUMNS)
        self._con.execute(f"CREATE TEMP TABLE {DICTIONARY} ({names})")
        self._con.execute(f"INSERT INTO {DICTIONARY} SELECT "
                          + ", ".join(f"unnest(${c})" for c in dictionary.COLUMNS),
                          {c: frame[c].fillna("").astype(str).tolist() for c in dictionary.COLUMNS})

    def close(self) -> None:
        """Close the sandbox's DuckDB instance (its file handle with it)."""
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_EXTENSION_HINT = re.compile(r"but it exists in the (\w+) extension\..*", re.DOTALL)


def _server_paths(db: Path) -> tuple[tuple[str, str], ...]:
    """The server's paths analysts must not see, longest first, with the logical name for each."""
    return ((str(db), "the calmline database"), (str(Path(db).resolve()), "the calmline database"),
            (str(Path(db).parent), "the database's folder"),
            (str(Path.home() / ".duckdb"), "DuckDB's directory"), (str(Path.home()), "the home folder"))


def _paths_hidden(frame: pd.DataFrame, db: Path) -> pd.DataFrame:
    """``frame`` with the server's paths in its text cells as logical names (DuckDB's catalog
    functions, ``duckdb_databases()`` or ``current_setting('secret_directory')``, return them)."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object or not values.map(lambda v: isinstance(v, str) and "/" in v).any():
            continue
        for path, name in _server_paths(db):
            values = values.map(lambda v, p=path, n=name: v.replace(p, n) if isinstance(v, str) else v)
        frame[column] = values
    return frame


def for_analysts(message: str, db: Path) -> str:
    """``message`` with the database file's path as "the calmline database", other server paths
    (its folder, the home folder, DuckDB's own directories) as logical names, and DuckDB's advice
    to install an extension replaced by the fact that extensions are not available here."""
    message = _EXTENSION_HINT.sub(lambda m: f"and it needs the {m[1]} extension: extensions are not "
                                            "available in the query explorer.", message)
    if re.search(r"^\s*(INSTALL|LOAD)\s", message, re.MULTILINE | re.IGNORECASE):
        message = re.split(r"\n\s*\n", message)[0] + "\nExtensions are not available in the query explorer."
    for path, name in _server_paths(db):
        message = message.replace(path, name)
    return re.sub(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]*", "a path on the server", message)


_LAKE_SCAN = re.compile(r"read_parquet\('((?:[^']|'')*)/\*\.parquet'\)")


def lake_folders(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The lake folders the attached database's views read: one per table a Spark load keeps in
    the lake (its views read ``read_parquet('<folder>/*.parquet')``, :mod:`calmline.spark.write`).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The sandbox's instance, with the database attached as :data:`ALIAS` (external access
        still on: this runs before it goes off).

    Returns
    -------
    tuple of str
        Absolute folder paths ending in ``/``, sorted; empty for a database of the DuckDB
        engine (its tables are in the file).
    """
    rows = con.execute("SELECT sql FROM duckdb_views() WHERE database_name = $a AND NOT internal",
                       {"a": ALIAS}).fetchall()
    found = set()
    for (sql,) in rows:
        for match in _LAKE_SCAN.finditer(sql or ""):
            folder = re.sub(r"\[([*?\[])\]", r"\1", match[1].replace("''", "'"))  # glob escapes undone
            if folder.startswith("/") and folder.strip("/") and ".." not in Path(folder).parts:
                found.add(folder.rstrip("/") + "/")
    return tuple(sorted(found))


def _same(name: str, have: str | None, want: str) -> bool:
    if have is None:
        return False
    if name == "memory_limit":  # DuckDB reads back '953.6 MiB' for '1GB': one decimal
        try:
            return abs(_bytes(have) - float(want)) <= 0.06 * 1024 ** 2 + 0.001 * float(want)
        except ValueError:
            return False
    return have.lower() == want.lower()


def _fetch(con: duckdb.DuckDBPyConnection, rows: int) -> pd.DataFrame:
    """Up to ``rows`` rows of the pending result as one DataFrame (types as ``.df()`` gives them)."""
    parts = [con.fetch_df_chunk(max(1, -(-rows // 2048)))]
    got = len(parts[0])
    while 0 < got < rows:
        part = con.fetch_df_chunk(max(1, -(-(rows - got) // 2048)))
        if part.empty:
            break
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
