"""Data health sends rejected rows a page at a time, says how many there are, and exports them all."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture(scope="module")
def app(sample_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=sample_db))


def test_rejected_rows_come_a_page_at_a_time_with_their_total(app, monkeypatch):
    from calmline.dashboard.pages import health

    monkeypatch.setattr(health, "PAGE_ROWS", 10)
    said, pages = health.count("/health")
    assert pages == 3 and said.startswith("25 rejected rows")
    first, second, last = (health.turn(page) for page in (1, 2, 3))
    assert [len(first), len(second), len(last)] == [10, 10, 5]
    seen = [(r["source_file"], r["line"]) for r in first + second + last]
    assert len(set(seen)) == 25, "the pages do not overlap"
    assert health.PAGE_ROWS == 10 and len(health.rejected_page(None)) == 10


def test_export_writes_every_rejected_row_not_just_the_page(app, monkeypatch):
    from calmline.dashboard.pages import health

    monkeypatch.setattr(health, "PAGE_ROWS", 10)
    download = health.export(1)
    assert download["filename"] == "health-rejected.csv"
    rows = list(csv.DictReader(io.StringIO(download["content"], newline="")))
    assert len(rows) == 25 and {"rule", "problems", "row_text"} <= set(rows[0])
