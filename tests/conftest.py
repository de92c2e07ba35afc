"""Shared fixtures: a fresh source folder and database per test, and the two ways in (API, CLI)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outcome:
    """What a load returned, whichever way it was started."""

    code: int
    output: str


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``calmline ARGS`` in a child process and capture its output."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "calmline", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=timeout)


def load_api(source: Path, db: Path, *extra: str) -> Outcome:
    """Load through the Python API; a LoadError becomes exit code 2 as in the CLI."""
    from datetime import date

    from calmline.etl.errors import LoadError
    from calmline.etl.load import load

    as_of = None
    if "--as-of" in extra:
        as_of = date.fromisoformat(extra[extra.index("--as-of") + 1])
    try:
        report = load(source, db, as_of=as_of, reload="--reload" in extra)
    except LoadError as exc:
        return Outcome(2, str(exc))
    return Outcome(0, f"batch {report.batch_id}: {report.rows_rejected} rejected")


def load_cli(source: Path, db: Path, *extra: str) -> Outcome:
    """Load through `calmline etl`."""
    proc = run_cli("etl", "--source", str(source), "--db", str(db), *extra)
    return Outcome(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture(params=["api", "cli"])
def loader(request):
    """Each test using this runs twice: through the Python API and through the CLI."""
    return load_api if request.param == "api" else load_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "calmline.duckdb"


def query(db: Path, sql: str, params=None) -> list[tuple]:
    """Read from a published database the way every reader does: read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def pytest_setup_options():
    """Headless Debian Chromium for dash[testing]'s browser tests (no driver downloads)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = os.environ.get("CALMLINE_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1400"):
        options.add_argument(flag)
    return options


@pytest.fixture(autouse=True)
def _no_dash_app_left_current():
    """A request served by a Flask test client sets Dash's current app in the thread's context and
    leaves it there; later tests in the same worker that call page functions directly would then
    read that app's database instead of the one they created. Every test starts without one."""
    from dash._get_app import app_context

    token = app_context.set(None)
    yield
    app_context.reset(token)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The folder ``name`` with what ``build(folder)`` put in it, built once per test run and
    shared by every pytest-xdist worker: the first worker to ask builds it in the run's common
    temporary folder while the others wait on a file lock, then all read the same files (without
    xdist, a folder of this session). For what tests only read."""
    import fcntl

    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent / name  # the run's folder; each worker's is below it
    done = shared.with_name(f"{name}.built")
    with open(shared.with_name(f"{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a worker that failed half way left
            shared.mkdir()
            build(shared)
            done.touch()
    return shared


def _load_sample(folder: Path) -> None:
    load = run_cli("etl", "--source", str(ROOT / "sample_data"), "--db", str(folder / "calmline.duckdb"))
    assert load.returncode == 0, load.stderr


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The bundled sample data, loaded once per test run. Read it only; never write to it."""
    return built_once(tmp_path_factory, "sample", _load_sample) / "calmline.duckdb"


@pytest.fixture(scope="session")
def fitted_sample_db(sample_db, tmp_path_factory) -> Path:
    """The sample data loaded and fitted, once per test run. Read it only."""
    def build(folder: Path) -> None:
        shutil.copyfile(sample_db, folder / "calmline.duckdb")  # the file a load of sample_data writes
        fit = run_cli("fit", "--db", str(folder / "calmline.duckdb"))
        assert fit.returncode == 0, fit.stderr
    return built_once(tmp_path_factory, "fitted", build) / "calmline.duckdb"


@pytest.fixture(scope="session")
def multi_horizon_db(sample_db, tmp_path_factory) -> Path:
    """The loaded sample fitted at 90 days (run 1) and at 30 days (run 2) by one call,
    ``calmline fit --horizon 90 --horizon 30``, once per test run; what that call printed is in
    ``fit.out`` next to the database (tests/calmline/test_cli.py reads it). Read it only."""
    def build(folder: Path) -> None:
        shutil.copyfile(sample_db, folder / "calmline.duckdb")  # the bundled sample, loaded
        fit = run_cli("fit", "--db", str(folder / "calmline.duckdb"), "--horizon", "90", "--horizon", "30")
        assert fit.returncode == 0, fit.stderr
        (folder / "fit.out").write_text(fit.stdout, encoding="utf-8")
    return built_once(tmp_path_factory, "horizons", build) / "calmline.duckdb"


def _uses_a_module_fixture(item) -> bool:
    """Whether the test uses a fixture built once per module (or class), its own or a conftest's."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs and defs[-1].scope in ("module", "class") for defs in info.name2fixturedefs.values())


@pytest.hookimpl(trylast=True)  # after -k/-m deselection; pytest-xdist's own hook does nothing here
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs two workers), the tests that drive Chromium or time a
    server's answers run one after another on one worker: dash_duo serves on one fixed port, and
    a timing test must not share the two cores with another worker's browser.

    The tests of a module that builds something once per module (a generated world, a fitted
    centre, a sandbox process) also stay together on one worker: `--dist loadgroup` otherwise
    deals them out one test at a time, and each worker built the module's fixture itself (the
    20,000-customer recovery world was generated, loaded and fitted on both workers). The tests
    using the session's Spark session do too: one JVM and one Spark-loaded sample, not two.

    Each test's groups then go into its id as `--dist loadgroup` expects (``nodeid@group``):
    pytest-xdist 3.8 writes that to ``item._nodeid``, which pytest 9 no longer reads (the id lives
    in ``item._id``), so until now no group reached the scheduler at all."""
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()) or "browser" in item.path.name \
                or item.path.name == "test_sign_in.py":
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif "spark" in getattr(item, "fixturenames", ()):  # one JVM and one Spark-loaded sample per run
            item.add_marker(pytest.mark.xdist_group("spark"))
        elif item.get_closest_marker("xdist_group") is None and _uses_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.path.relative_to(ROOT).as_posix()))
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers only
        return
    for item in items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            grouped = f"{item.nodeid}@{'_'.join(names)}"
            if hasattr(item, "_id"):  # pytest >= 9
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(grouped)
            else:
                item._nodeid = grouped
    items[:] = _longest_groups_first(items)


FIRST_GROUPS = ("spark", "browser")
"""The xdist groups dealt out first, longest first: the Spark group (a JVM and two Spark loads)
is the longest chain of the run, and started late it left one worker busy long after the other
had finished."""


def _group(item) -> str | None:
    """The xdist group in a test's id (``nodeid@group``), or None."""
    nodeid = item.nodeid
    return nodeid.rsplit("@", 1)[1] if nodeid.rfind("@") > nodeid.rfind("]") else None


def _longest_groups_first(items: list) -> list:
    """The order in which `--dist loadgroup` deals the groups out (pyproject's addopts turn off
    its own reordering, which put the groups with the most tests first, whatever they cost):
    :data:`FIRST_GROUPS`, then the other groups, most tests first, then the tests in no group,
    as collected. Within a group the collected order is kept."""
    sizes: dict[str | None, int] = {}
    first: dict[str | None, int] = {}
    for i, item in enumerate(items):
        sizes[_group(item)] = sizes.get(_group(item), 0) + 1
        first.setdefault(_group(item), i)

    def rank(item) -> tuple:
        group = _group(item)
        if group in FIRST_GROUPS:
            return (0, FIRST_GROUPS.index(group), 0)
        return (1, -sizes[group], first[group]) if group is not None else (2, 0, 0)
    return sorted(items, key=rank)  # stable: ties keep the collected order
