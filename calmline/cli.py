"""The `calmline` command: one entry point, a subcommand per job."""

from __future__ import annotations

import errno
import socket
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from calmline import terminal, vocabulary


def _no_bool_placeholders(params: list) -> list:
    """Switches (``--strict``, ``--help``) show no ``<bool>`` placeholder in the help."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help names what an option takes (PATH, DAYS) and shows nothing after a
    switch such as ``--strict`` (Typer's default is a ``<bool>`` placeholder)."""

    def get_params(self, ctx):
        return _no_bool_placeholders(super().get_params(ctx))


class Group(TyperGroup):
    """The top-level command, its switches (``--version``, ``--help``) shown as :class:`Command` does."""

    def get_params(self, ctx):
        return _no_bool_placeholders(super().get_params(ctx))


app = typer.Typer(
    cls=Group,
    help="calmline: find out which de-escalation practices keep upset customers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        terminal.console.print(f"calmline {version('calmline')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print calmline's version and exit.")] = False,
) -> None:
    """calmline: find out which de-escalation practices keep upset customers."""


@app.command(cls=Command)
def generate(
    out: Annotated[Path, typer.Option(metavar="DIR", help="Folder to write the source files into.")],
    customers: Annotated[int, typer.Option(min=1, metavar="N", help="How many customers (about 6 calls each a year).")] = 3000,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed gives the same files.")] = 7,
    start: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="First day of calls.")] = "2025-01-01",
    months: Annotated[int, typer.Option(min=1, metavar="N", help="How many months of calls.")] = 12,
    dirty_rows: Annotated[int, typer.Option(min=0, metavar="N", help="Extra broken call rows, to see rejections.")] = 0,
    no_transcripts: Annotated[bool, typer.Option("--no-transcripts", help="Skip transcripts.parquet "
                                                 "(the turns of every upset call).")] = False,
) -> None:
    """Write realistic synthetic source files with known practice effects (and ground_truth.json)."""
    from calmline.synth import generate as run

    summary = run(out, customers=customers, seed=seed, start=date.fromisoformat(start),
                  months=months, dirty_rows=dirty_rows, transcripts=not no_transcripts)
    terminal.print_generated(summary)


@app.command(cls=Command)
def etl(
    source: Annotated[Path, typer.Option(metavar="DIR", help="Folder with calls, customers, agents, follow_ups, training files.")],
    db: Annotated[Path, typer.Option(metavar="PATH", help="DuckDB database to create or update.")],
    as_of: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="Date that defines censoring; "
                                              "default: the latest date in the inputs.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 when any row was rejected.")] = False,
    reload: Annotated[bool, typer.Option(help="Re-read files even if an identical file was loaded before.")] = False,
    redact: Annotated[bool, typer.Option(help="Mask digits, e-mail addresses and card-like numbers in stored "
                                              "transcript text.")] = False,
    notify: Annotated[Path | None, typer.Option(metavar="RULES", help="Rules file: evaluate its alerts right "
                                                "after the load is published (see `calmline notify`).")] = None,
    engine: Annotated[str, typer.Option(metavar="duckdb|spark", help="Where the rows are checked: DuckDB on this "
                                        "machine, or Apache Spark (needs `pip install 'calmline[spark]'` and Java; "
                                        "row-level tables go to --lake as Parquet).")] = "duckdb",
    spark_master: Annotated[str, typer.Option(metavar="MASTER", help="--engine spark: local[2], spark://HOST:PORT "
                                              "or yarn.")] = "local[2]",
    lake: Annotated[Path | None, typer.Option(metavar="DIR", help="--engine spark: folder for the row-level "
                                              "Parquet tables (default: <db>.lake beside the database).")] = None,
) -> None:
    """Load a source folder into DuckDB, validating every row; rejected rows are kept with reasons."""
    from calmline.etl.errors import LoadError
    from calmline.etl.load import load

    if engine not in ("duckdb", "spark"):
        err.print(f"[red]--engine must be duckdb or spark (got {engine!r})[/red]")
        raise typer.Exit(2)
    if engine == "spark":
        from calmline.spark.load import load as spark_load

        def load(source, db, *, as_of, reload, progress, redact):  # noqa: F811 - the Spark engine's
            return spark_load(source, db, lake=lake, master=spark_master, as_of=as_of, progress=progress,
                              redact=redact)

    try:
        cutoff = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2)
    try:
        with terminal.progress() as tick:
            report = load(source, db, as_of=cutoff, reload=reload, progress=tick, redact=redact)
    except LoadError as exc:
        err.print(f"[bold red]load failed, database unchanged:[/bold red] {exc}")
        raise typer.Exit(2)
    terminal.print_load(report)
    if notify is not None:
        _alerts_after_publish(db, notify)
    if strict and report.rows_rejected:
        err.print(f"[red]--strict: {report.rows_rejected:,} rows were rejected[/red]")
        raise typer.Exit(1)


@app.command(cls=Command)
def fit(
    db: Annotated[Path, typer.Option(metavar="PATH",
                                     help="Database built by `calmline etl`; results are added to it.")],
    horizon: Annotated[list[int], typer.Option(
        metavar="DAYS", help="Days after the call within which churn counts: "
        + ", ".join(map(str, vocabulary.HORIZONS)) + "; repeat for several.")] = [vocabulary.HEADLINE_HORIZON],
    force: Annotated[bool, typer.Option("--force", help="Fit again even when a run of the same data "
                                        "and specification is stored.")] = False,
    notify: Annotated[Path | None, typer.Option(metavar="RULES", help="Rules file: evaluate its alerts right "
                                                "after the run is published (see `calmline notify`).")] = None,
) -> None:
    """Estimate how much each practice changes churn after upset calls; store the results as a new run.

    A horizon already fitted on exactly the data loaded now (the same load batches and as-of
    date) with the same model specification is skipped, and said so: fitting it again would
    store a duplicate run. --force fits it anyway.
    """
    import duckdb

    from calmline.analysis.runner import fit as run_fit
    from calmline.analysis.schedule import lanes
    from calmline.database.publish import WriterBusy

    horizons = tuple(dict.fromkeys(horizon or [vocabulary.HEADLINE_HORIZON]))
    bad = [h for h in horizons if h not in vocabulary.HORIZONS]
    if bad:
        allowed = ", ".join(map(str, vocabulary.HORIZONS[:-1])) + f" or {vocabulary.HORIZONS[-1]}"
        err.print(f"[red]--horizon must be {allowed} (got {bad[0]})[/red]")
        raise typer.Exit(2)
    try:
        lanes()  # CALMLINE_FIT_LANES, checked before any work
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    if not db.exists():
        err.print(f"[red]{db}: no database here; run `calmline etl` first[/red]")
        raise typer.Exit(2)
    try:
        done = {} if force else fitted_already(db, horizons)
    except (OSError, duckdb.IOException) as exc:
        _cannot_fit(db, exc)
    for h, run in done.items():
        terminal.console.print(f"{h}-day models: run {run} was fitted on the same data and specification; "
                               f"not fitted again (--force fits anyway)", highlight=False)
    horizons = tuple(h for h in horizons if h not in done)
    if not horizons:
        if notify is not None:
            _alerts_after_publish(db, notify)
        return
    try:
        with terminal.status() as say:
            summary = run_fit(db, list(vocabulary.practice_names()), horizons=horizons, progress=say)
    except WriterBusy as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    except (OSError, duckdb.IOException) as exc:
        _cannot_fit(db, exc)
    terminal.print_fit(summary)
    if notify is not None:
        _alerts_after_publish(db, notify)


def _cannot_fit(db: Path, exc: BaseException) -> None:
    """Say in a line why the database could not be read or written (another program holding it
    open to write, a full disk), that it was left as it was, and exit 2."""
    from calmline.database.publish import write_failure

    why = write_failure(exc)
    if "Conflicting lock" in why:
        why = "another program holds it open to write; close it there and run again"
    err.print(f"{db.resolve()}: could not fit ({why}); the database was left as it was",
              style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def fitted_already(db: Path, horizons: tuple[int, ...]) -> dict[int, int]:
    """For each of ``horizons`` fitted on exactly the data in ``db`` now (the same loaded batches and
    as-of date, ``queries/analysis/fitted_runs.sql``) with today's specification, its newest run.

    Parameters
    ----------
    db : Path
        A calmline database.
    horizons : tuple of int
        Horizons about to be fitted.

    Returns
    -------
    dict of int to int
        Horizon -> run_id; horizons without such a run are absent (all of them when nothing was
        fitted yet).
    """
    import duckdb

    from calmline.analysis.specification import specification
    from calmline.database.connection import connect
    from calmline.queries import load_sql

    con = connect(db, read_only=True)
    try:
        runs = con.execute(load_sql("analysis/fitted_runs")).fetchall()
    except duckdb.CatalogException:  # no model_runs (never fitted) or no load yet
        return {}
    finally:
        con.close()
    found: dict[int, int] = {}
    for run_id, days, spec, _created in runs:  # newest first
        if days in horizons and days not in found and spec == specification(days):
            found[days] = run_id
    return found


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard could not listen on ``host:port`` (in use, or an address not of this
    machine), or None when it can. Binds a socket as waitress does (address reuse on), then lets go.

    Parameters
    ----------
    host : str
        Address to listen on.
    port : int
        Port to listen on.

    Returns
    -------
    str or None
        One line for the user, or None.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (another dashboard?): stop it, or choose "
                        f"another port with --port (make demo PORT=8060)")
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


@app.command(cls=Command)
def serve(
    db: Annotated[Path, typer.Option(metavar="PATH", help="Database built by `calmline etl` (and `calmline fit`).")],
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8050,
    threads: Annotated[int, typer.Option(min=1, metavar="N", help="Worker threads.")] = 8,
    users: Annotated[Path | None, typer.Option(
        envvar="CALMLINE_USERS", metavar="FILE", help="Users file: sign-in required, explorer for analysts only.")] = None,
    no_explorer: Annotated[bool, typer.Option("--no-explorer", help="Switch the query explorer off.")] = False,
    rules: Annotated[Path | None, typer.Option(
        envvar="CALMLINE_RULES", metavar="FILE", help="`calmline notify` rules file listed on the Alerts page.")] = None,
) -> None:
    """Serve the dashboard over a calmline database (waitress, several threads).

    The port is checked first: when it is taken, one line says so and the command exits with 2.
    """
    from waitress import serve as run_server

    from calmline.dashboard.access import UsersFileError, is_loopback, read_users
    from calmline.dashboard.app import Settings, create_app, set_up_before_serving

    busy = port_problem(host, port)
    if busy:
        _fail(busy, 2)
    if not db.exists():
        err.print(f"[yellow]{db}: no database yet; the dashboard will say so until `calmline etl` "
                  f"creates it[/yellow]")
    if users is None and not is_loopback(host):
        err.print(f"[red]--host {host} is reachable from other machines: give --users FILE (or "
                  f"CALMLINE_USERS) so people sign in; see README, \"Signing in\"[/red]")
        raise typer.Exit(2)
    try:
        known = read_users(users) if users is not None else None
    except UsersFileError as exc:
        from rich.markup import escape

        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    if rules is not None:
        from calmline.notify.rules import RulesError, read_rules

        try:
            read_rules(rules)
        except RulesError as exc:
            _fail(str(exc), 2)
    application = create_app(Settings(db=db, users=known, explorer=not no_explorer, rules=rules))
    set_up_before_serving(application.server)  # before waitress's threads serve
    terminal.console.print(f"calmline dashboard on http://{host}:{port}/ (database {db}); Ctrl+C stops it")
    try:
        run_server(application.server, host=host, port=port, threads=threads)
    except OSError as exc:  # taken between the check and now
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", 2)


@app.command(cls=Command)
def password() -> None:
    """Print a password hash for a users file (asks for the password, never echoes it).

    The prompts go to stderr and the hash to stdout on one line, unwrapped, so it can be
    pasted or piped into the users file as it is.
    """
    from werkzeug.security import generate_password_hash

    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    typer.echo(generate_password_hash(secret))


@app.command(cls=Command)
def demo(
    db: Annotated[Path, typer.Option(metavar="PATH", help="Database to build from the bundled sample data.")] =
    Path("calmline.duckdb"),
    port: Annotated[int, typer.Option(metavar="PORT", help="Port for the dashboard.")] = 8050,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load and fit only.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Fit again even when nothing changed.")] = False,
    rules: Annotated[Path | None, typer.Option(
        envvar="CALMLINE_RULES", metavar="FILE", help="`calmline notify` rules file listed on the Alerts page.")] = None,
) -> None:
    """Load the bundled sample data, fit the models and serve the dashboard.

    The port is checked before anything is loaded. Run again, files already loaded are skipped
    and, when a run of the same data and specification is stored, the fit is too.
    """
    if not no_serve:
        busy = port_problem("127.0.0.1", port)
        if busy:
            _fail(busy, 2)
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    etl(source=sample, db=db, as_of=None, strict=False, reload=False)
    fit(db=db, horizon=[vocabulary.HEADLINE_HORIZON], force=force)
    if not no_serve:
        serve(db=db, host="127.0.0.1", port=port, threads=8, users=None, no_explorer=False, rules=rules)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command(cls=Command)
def query(
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="Saved query to run (see --list).")] = None,
    db: Annotated[Path | None, typer.Option(metavar="PATH", help="Database built by `calmline etl`.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="KEY=VALUE for a parameter (empty VALUE = no filter); repeat for several.")] = None,
    sql: Annotated[str | None, typer.Option(
        metavar="SQL", help="Ad-hoc SQL instead of a saved query: one SELECT (or WITH ... SELECT), DESCRIBE or SUMMARIZE.")] = None,
    output: Annotated[Format, typer.Option("--format", help="How to print the rows.")] = Format.table,
    limit: Annotated[int | None, typer.Option(
        min=0, metavar="N", help="Most rows to print; default 10,000 for a table, 1,000,000 for csv and json.")] = None,
    list_queries: Annotated[bool, typer.Option("--list", help="List the saved queries and exit.")] = False,
) -> None:
    """Run a saved query, or read-only ad-hoc SQL, in the query explorer's sandbox."""
    from calmline.explorer.saved_queries import library
    from calmline.explorer.isolation import QueryProcess
    from calmline.explorer.sandbox import Limits, QueryFailed, Refused

    if list_queries:
        terminal.print_saved_queries(library())
        return
    if (name is None) == (sql is None):
        _fail("give either a saved query NAME (see `calmline query --list`) or --sql", 2)
    if db is None:
        _fail("--db is required: the database built by `calmline etl`", 2)
    if not db.exists():
        _fail(f"{db}: no database here; run `calmline etl` first", 2)
    values: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail(f"--param {item!r}: expected KEY=VALUE", 2)
        if key.strip() in values:
            _fail(f"--param {key.strip()} given twice", 2)
        values[key.strip()] = value
    limits = Limits()
    cap = limit if limit is not None else (limits.display_rows if output is Format.table else limits.export_rows)
    try:
        with QueryProcess(db, limits) as sandbox:
            result = (sandbox.saved(name, values, limit=cap) if name is not None
                      else sandbox.run(sql, values or None, limit=cap))
            hints = unknown_values(sandbox, values) if name is not None and result.frame.empty else []
    except Refused as exc:
        _fail(str(exc), 2)
    except ValueError as exc:  # unknown query or parameter, or a value not of its type
        _fail(str(exc), 2)
    except QueryFailed as exc:
        _fail(str(exc), 1)
    except RuntimeError as exc:  # the sandbox is not locked down as required
        _fail(str(exc), 1)
    title = library()[name].title if name is not None else None
    terminal.print_frame(result.frame, output.value, dict(result.columns), title=title)
    for hint in hints:
        err.print(hint, style="yellow", markup=False, highlight=False, soft_wrap=True)
    shown = f"{len(result.frame):,} row{'s' if len(result.frame) != 1 else ''} in {result.seconds:.2f} s"
    if result.truncated:
        err.print(f"[yellow]{shown}: the query returned more rows than the limit of {result.limit:,}; "
                  f"--limit shows more[/yellow]", soft_wrap=True)
    elif output is Format.table:
        err.print(shown)


@app.command("detect", cls=Command)
def detect_command(
    transcripts: Annotated[Path, typer.Option(metavar="PATH", help=(
        "Transcripts to score: a JSON Lines, CSV or Parquet file, an Amazon Transcribe JSON file, "
        "or a folder of them."))],
    call: Annotated[str | None, typer.Option(metavar="ID", help="Show only this call.")] = None,
    output: Annotated[Format, typer.Option("--format", help=(
        "table: each detected value with its turn, words and rule; csv: one row per call; "
        "json: one object per call with its evidence."))] = Format.table,
) -> None:
    """Detect the practices in transcripts and show why, before loading them (nothing is stored)."""
    import duckdb

    from calmline.transcripts import detect, read_transcripts, tables

    if not transcripts.exists():
        _fail(f"{transcripts}: no such file or folder", 2)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # stdout carries only the result
    try:
        report = read_transcripts(con, transcripts)
    except ValueError as exc:  # not a transcript file
        _fail(str(exc), 2)
    rejects = con.execute(f"SELECT source_file, line, column_name, problems FROM {tables.REJECTS} "
                          f"ORDER BY source_file, line").fetchall()
    for file, line, _column, problems in rejects[:MAX_REJECTS_SHOWN]:  # problems name the column
        err.print(f"rejected {file}:{line}: {problems}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    if len(rejects) > MAX_REJECTS_SHOWN:
        err.print(f"... and {len(rejects) - MAX_REJECTS_SHOWN:,} more rejected rows", style="yellow",
                  markup=False, highlight=False)
    if report.rows_rejected:
        err.print(f"{report.rows_rejected:,} of {report.rows_read:,} rows rejected", style="yellow",
                  markup=False, highlight=False)
    if report.calls == 0:
        _fail(f"{transcripts}: no call could be read", 1)
    detect(con)
    where = "" if call is None else " WHERE call_id = $call"
    params = {} if call is None else {"call": call}
    calls = con.execute(f"SELECT * FROM {tables.CALLS}{where} ORDER BY call_id", params).df()
    if call is not None and calls.empty:
        _fail(f"no call {call!r} among the {report.calls:,} calls read from {transcripts}", 1)
    evidence = con.execute(f"SELECT * FROM {tables.PRACTICES}{where} ORDER BY call_id, turn NULLS LAST, practice",
                           params).df()
    terminal.print_detection(calls, evidence, output.value)


@app.command(cls=Command)
def report(
    db: Annotated[Path, typer.Option(metavar="PATH", help="Database built by `calmline etl` (and `calmline fit`).")],
    out: Annotated[Path, typer.Option(metavar="FILE", help="FILE.pdf (printed by headless Chromium) or FILE.html.")],
    filter_: Annotated[list[str] | None, typer.Option(
        "--filter", metavar="KEY=VALUE", help="A dashboard filter: teams, sites, channels, issues, anger (repeat "
        "for several values), start, end (YYYY-MM).")] = None,
    page: Annotated[str, typer.Option(metavar="PAGE", help="The page: overview (default), impact (Practice "
                                      "impact) or training (Training priorities).")] = "overview",
    horizon: Annotated[int | None, typer.Option(metavar="DAYS", help="impact and training: the model run of "
                                                "this churn horizon (default: the pages' default).")] = None,
) -> None:
    """Write a dashboard page (overview, impact or training) as a printable report: the filters, data
    period, as-of date and model run on every page, the same numbers as the dashboard."""
    from calmline.notify.report_file import ReportError, check_page, write_report
    from calmline.notify.rules import parse_filter_options

    try:
        check_page(page)
        chosen = parse_filter_options(filter_)
    except (ValueError, ReportError) as exc:
        _fail(str(exc), 2)
    if not db.exists():
        _fail(f"{db}: no database here; run `calmline etl` first", 2)
    try:
        written = write_report(db, out, chosen, page=page, horizon=horizon)
    except ReportError as exc:
        _fail(f"report not written: {exc}", 2)
    terminal.console.print(f"wrote {written}", highlight=False, soft_wrap=True)


@app.command("notify", cls=Command)
def notify_command(
    db: Annotated[Path, typer.Option(metavar="PATH", help="Database built by `calmline etl`; deliveries are "
                                     "recorded in its notifications table.")],
    rules: Annotated[Path, typer.Option(metavar="FILE", help="Rules file (TOML): subscriptions and alerts; see "
                                        "docs/notify.example.toml.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send and record "
                                          "nothing.")] = False,
    now: Annotated[str | None, typer.Option(metavar="ISO", help="Run as if at this time (YYYY-MM-DD or "
                                            "YYYY-MM-DDTHH:MM, UTC); default now.")] = None,
) -> None:
    """Send the subscriptions that are due and the alerts that fire, by e-mail and webhook; each once.

    Meant for cron or a systemd timer. Exit 0 when everything due was delivered, 1 when a delivery
    failed (recorded as failed; the next run tries again) or a rule could not be evaluated, 2 when
    the rules file or the database cannot be used.
    """
    when = _parse_now(now)
    if not db.exists():
        _fail(f"{db}: no database here; run `calmline etl` first", 2)
    _run_notify(db, rules, when, dry_run=dry_run, alerts_only=False)


def _parse_now(now: str | None):
    from datetime import datetime, timezone

    if now is None:
        return datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(now)
    except ValueError:
        _fail(f"--now {now!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", 2)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _run_notify(db: Path, rules_file: Path, when, *, dry_run: bool, alerts_only: bool) -> None:
    """Read ``rules_file`` and run `calmline notify` on ``db``; exit non-zero as its help says."""
    from calmline.database.publish import WriterBusy
    from calmline.notify import deliveries
    from calmline.notify.rules import RulesError, read_rules

    try:
        parsed = read_rules(rules_file)
    except RulesError as exc:
        _fail(f"rules file refused:\n{exc}", 2)

    def say(line: str) -> None:
        terminal.console.print(line, markup=False, highlight=False, soft_wrap=True)

    try:
        outcome = deliveries.run(parsed, db, when, dry_run=dry_run, say=say, alerts_only=alerts_only)
    except WriterBusy as exc:
        _fail(f"{exc}; nothing was sent", 2)
    for problem in outcome.problems:
        err.print(problem, style="red", markup=False, highlight=False, soft_wrap=True)
    if not dry_run:
        say(f"notify: {len(outcome.sent)} sent, {len(outcome.failed)} failed, {outcome.already} sent before")
    if outcome.failed:
        failed = len(outcome.failed)
        _fail(f"{failed} {'delivery' if failed == 1 else 'deliveries'} failed (first: {outcome.failed[0][1]}); "
              f"recorded as failed, tried again by the next run", 1)
    if outcome.problems:
        raise typer.Exit(1)


def _alerts_after_publish(db: Path, rules_file: Path) -> None:
    """`--notify RULES` of etl and fit: the rules file's alerts, evaluated on what was just published."""
    from datetime import datetime, timezone

    _run_notify(db, rules_file, datetime.now(timezone.utc), dry_run=False, alerts_only=True)


MAX_REJECTS_SHOWN = 100
"""Rejected rows `calmline detect` lists on stderr before it only counts the rest."""


FILTERED_BY_VALUE = {"team": "team", "site": "site", "channel": "channel", "issue_type": "issue type"}
"""Saved-query parameters that name a value of the data, as ``queries/dashboard/filter_options.sql``
lists them: a typo there gives no rows, so an empty result checks them."""


def unknown_values(sandbox, values: dict[str, str]) -> list[str]:
    """Why a saved query may have returned no rows: each of ``values`` naming a team, site, channel
    or issue type the database does not have, with the known values closest to it.

    Parameters
    ----------
    sandbox : calmline.explorer.isolation.QueryProcess
        The open sandbox the query ran in.
    values : dict of str to str
        The ``--param`` values given.

    Returns
    -------
    list of str
        One line per unknown value, e.g. "no rows: there is no team 'leeds-9'; the closest known:
        leeds-1, leeds-2"; empty when every value is known.
    """
    import difflib

    from calmline.queries import load_sql

    asked = {k: v.strip() for k, v in values.items() if k in FILTERED_BY_VALUE and v.strip()}
    if not asked:
        return []
    try:
        options = sandbox.run(load_sql("dashboard/filter_options")).frame
    except Exception:  # noqa: BLE001 - a hint must never turn a good answer into an error
        return []
    lines = []
    for key, value in asked.items():
        known = sorted(str(v) for v in options.loc[options["filter"] == key, "value"].dropna())
        if value in known:
            continue
        lower = {k.lower(): k for k in known}
        close = ([lower[value.lower()]] if value.lower() in lower else
                 [lower[m] for m in difflib.get_close_matches(value.lower(), list(lower), n=5, cutoff=0.6)])
        what = FILTERED_BY_VALUE[key]
        if close:
            lines.append(f"no rows: there is no {what} {value!r}; the closest known: {', '.join(close)}")
        else:
            shown = ", ".join(known[:12]) + (f" and {len(known) - 12} more" if len(known) > 12 else "")
            lines.append(f"no rows: there is no {what} {value!r}; known: {shown or 'none'}")
    return lines


def _fail(message: str, code: int) -> NoReturn:
    """Print ``message`` on stderr as it is (no markup) and exit with ``code``."""
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="calmline")


if __name__ == "__main__":
    sys.exit(main())
