"""The `calmline` command: one entry point, a subcommand per job."""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from calmline import terminal

app = typer.Typer(
    help="calmline: find out which de-escalation practices keep upset customers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the source files into.")],
    customers: Annotated[int, typer.Option(min=1, help="How many customers (about 6 calls each a year).")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    start: Annotated[str, typer.Option(help="First day of calls, YYYY-MM-DD.")] = "2025-01-01",
    months: Annotated[int, typer.Option(min=1, help="How many months of calls.")] = 12,
    dirty_rows: Annotated[int, typer.Option(min=0, help="Extra broken call rows, to see rejections.")] = 0,
) -> None:
    """Write realistic synthetic source files with known practice effects (and ground_truth.json)."""
    from calmline.synth import generate as run

    summary = run(out, customers=customers, seed=seed, start=date.fromisoformat(start),
                  months=months, dirty_rows=dirty_rows)
    terminal.print_generated(summary)


@app.command()
def etl(
    source: Annotated[Path, typer.Option(help="Folder with calls, customers, agents, follow_ups, training files.")],
    db: Annotated[Path, typer.Option(help="DuckDB database to create or update.")],
    as_of: Annotated[str | None, typer.Option(help="Date that defines censoring (YYYY-MM-DD); "
                                              "default: the latest date in the inputs.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 when any row was rejected.")] = False,
    reload: Annotated[bool, typer.Option(help="Re-read files even if an identical file was loaded before.")] = False,
) -> None:
    """Load a source folder into DuckDB, validating every row; rejected rows are kept with reasons."""
    from calmline.etl.errors import LoadError
    from calmline.etl.load import load

    try:
        cutoff = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2)
    try:
        with terminal.progress() as tick:
            report = load(source, db, as_of=cutoff, reload=reload, progress=tick)
    except LoadError as exc:
        err.print(f"[bold red]load failed, database unchanged:[/bold red] {exc}")
        raise typer.Exit(2)
    terminal.print_load(report)
    if strict and report.rows_rejected:
        err.print(f"[red]--strict: {report.rows_rejected:,} rows were rejected[/red]")
        raise typer.Exit(1)


@app.command()
def fit(
    db: Annotated[Path, typer.Option(help="Database built by `calmline etl`; results are added to it.")],
    horizon: Annotated[list[int] | None, typer.Option(
        help="Days after the call within which churn counts; repeat for several (30, 90, 180).")] = None,
) -> None:
    """Estimate how much each practice changes churn after upset calls; store the results as a new run."""
    from calmline.analysis.runner import fit as run_fit
    from calmline import vocabulary
    from calmline.database.publish import WriterBusy

    horizons = tuple(horizon or [vocabulary.HEADLINE_HORIZON])
    bad = [h for h in horizons if h not in vocabulary.HORIZONS]
    if bad:
        allowed = ", ".join(map(str, vocabulary.HORIZONS[:-1])) + f" or {vocabulary.HORIZONS[-1]}"
        err.print(f"[red]--horizon must be {allowed} (got {bad[0]})[/red]")
        raise typer.Exit(2)
    if not db.exists():
        err.print(f"[red]{db}: no database here; run `calmline etl` first[/red]")
        raise typer.Exit(2)
    try:
        with terminal.status() as say:
            summary = run_fit(db, list(vocabulary.practice_names()), horizons=horizons, progress=say)
    except WriterBusy as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    terminal.print_fit(summary)


@app.command()
def serve(
    db: Annotated[Path, typer.Option(help="Database built by `calmline etl` (and `calmline fit`).")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    threads: Annotated[int, typer.Option(min=1, help="Worker threads.")] = 8,
    users: Annotated[Path | None, typer.Option(
        envvar="CALMLINE_USERS", help="Users file: sign-in required, explorer for analysts only.")] = None,
    no_explorer: Annotated[bool, typer.Option("--no-explorer", help="Switch the query explorer off.")] = False,
) -> None:
    """Serve the dashboard over a calmline database (waitress, several threads)."""
    from waitress import serve as run_server

    from calmline.dashboard.access import UsersFileError, is_loopback, read_users
    from calmline.dashboard.app import Settings, create_app

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
    application = create_app(Settings(db=db, users=known, explorer=not no_explorer))
    terminal.console.print(f"calmline dashboard on http://{host}:{port}/ (database {db}); Ctrl+C stops it")
    run_server(application.server, host=host, port=port, threads=threads)


@app.command()
def password() -> None:
    """Print a password hash for a users file (asks for the password, never echoes it).

    The prompts go to stderr and the hash to stdout on one line, unwrapped, so it can be
    pasted or piped into the users file as it is.
    """
    from werkzeug.security import generate_password_hash

    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    typer.echo(generate_password_hash(secret))


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="Database to build from the bundled sample data.")] =
    Path("calmline.duckdb"),
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8050,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load and fit only.")] = False,
) -> None:
    """Load the bundled sample data, fit the models and serve the dashboard."""
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    etl(source=sample, db=db, as_of=None, strict=False, reload=False)
    fit(db=db, horizon=None)
    if not no_serve:
        serve(db=db, host="127.0.0.1", port=port, threads=8, users=None, no_explorer=False)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def query(
    name: Annotated[str | None, typer.Argument(help="Saved query to run (see --list).")] = None,
    db: Annotated[Path | None, typer.Option(help="Database built by `calmline etl`.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="KEY=VALUE for a parameter (empty VALUE = no filter); repeat for several.")] = None,
    sql: Annotated[str | None, typer.Option(
        help="Ad-hoc SQL instead of a saved query: one SELECT (or WITH ... SELECT), DESCRIBE or SUMMARIZE.")] = None,
    output: Annotated[Format, typer.Option("--format", help="How to print the rows.")] = Format.table,
    limit: Annotated[int | None, typer.Option(
        min=0, help="Most rows to print; default 10,000 for a table, 1,000,000 for csv and json.")] = None,
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
    shown = f"{len(result.frame):,} row{'s' if len(result.frame) != 1 else ''} in {result.seconds:.2f} s"
    if result.truncated:
        err.print(f"[yellow]{shown}: the query returned more rows than the limit of {result.limit:,}; "
                  f"--limit shows more[/yellow]", soft_wrap=True)
    elif output is Format.table:
        err.print(shown)


def _fail(message: str, code: int) -> NoReturn:
    """Print ``message`` on stderr as it is (no markup) and exit with ``code``."""
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="calmline")


if __name__ == "__main__":
    sys.exit(main())
