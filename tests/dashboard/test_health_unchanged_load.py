"""Data health after a load that changed nothing (issue #11 item 8): it says the files were identical
and skipped, names the last load that changed data, and charts that load instead of sixteen empty bars."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def loaded_twice(fitted_sample_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("twice") / "calmline.duckdb"
    shutil.copyfile(fitted_sample_db, db)
    again = run_cli("etl", "--source", str(ROOT / "sample_data"), "--db", str(db))
    assert again.returncode == 0, again.stderr
    return db


def _sample_rows() -> tuple[int, int]:
    """Files and data rows (lines after the header; a Parquet file's rows) of the bundled sample."""
    import pyarrow.parquet as pq

    files = sorted(p for p in (ROOT / "sample_data").rglob("*") if p.suffix in (".csv", ".parquet"))
    rows = sum(pq.ParquetFile(p).metadata.num_rows if p.suffix == ".parquet"
               else len(p.read_bytes().splitlines()) - 1 for p in files)
    return len(files), rows


def _text(component) -> str:
    """Every string inside a Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return _text(children) if children is not None else ""


def test_a_load_that_changed_nothing_says_so_and_charts_the_last_change(loaded_twice):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=loaded_twice))
    from calmline.dashboard.pages import health

    notice, cards, funnel, batches, *_ = health.update("/health")
    said = _text(notice)
    files, rows = _sample_rows()  # 16 CSV files and the transcripts' Parquet file
    assert "The latest load (batch 2" in said and "changed nothing" in said
    assert f"all {files} files were identical to files loaded before and were skipped" in said
    assert "The data last changed in batch 1" in said and f"{rows - 25:,} rows new" in said and "25 rejected" in said
    assert "Data last changed (UTC)" in _text(cards) and "batch 1" in _text(cards)
    loaded = sum(sum(trace.x) for trace in funnel.data if trace.name == "Loaded")
    assert loaded == rows - 25  # batch 1's rows of every file (the 25 dirty ones rejected); not batch 2's zeros
    assert "batch 1, the last load that changed data" in funnel.layout.title.text
    assert {row["status"] for row in batches if row["batch_id"] == 2} == {"skipped"}


def test_before_any_fit_the_loads_still_show(sample_db):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import health

    _notice, cards, *_ = health.update("/health")
    assert "Data last changed (UTC)" in _text(cards) and "none yet: run `calmline fit`" in _text(cards)


def test_a_load_that_changed_data_gets_no_notice(sample_db):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import health

    notice, cards, funnel, *_ = health.update("/health")
    assert notice == []
    assert "Rows loaded and rejected" == funnel.layout.title.text


def _ids(component) -> set:
    ident = getattr(component, "id", None)
    found = {ident} if isinstance(ident, str) else set()
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            found |= _ids(child)
    return found


def test_the_page_has_a_place_for_the_notice(sample_db):
    """The callback's notice needs its component in the layout, or the browser reports a missing
    output and shows nothing."""
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import health

    assert {health.LATEST, health.FRESHNESS, health.FUNNEL, health.BATCHES} <= _ids(health.layout())
