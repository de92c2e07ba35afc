"""A practice is one entry in calmline.vocabulary: added there, it flows through the load, a fit
and the dashboard's figures with no other edit."""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from calmline import vocabulary
from calmline.analysis.design import ENCODED
from calmline.analysis.specification import ADJUSTED_FOR, specification
from tests.conftest import ROOT

NEW = vocabulary.Practice(
    "greeted_by_name", "Greeted by name",
    "The agent greeted the customer by their name.", ("Service recovery",), module="greeted_by_name")


@pytest.fixture(scope="module")
def with_new_practice():
    """The vocabulary with one more QA-flag practice, for this module's tests only."""
    saved = vocabulary.PRACTICES
    vocabulary.PRACTICES = (*saved, NEW)
    yield NEW
    vocabulary.PRACTICES = saved


@pytest.fixture(scope="module")
def centre(with_new_practice, tmp_path_factory):
    """The sample data with a greeted_by_name column (seeded, used on about 60% of calls, empty
    on a few), loaded and fitted in this process, where the vocabulary has the new practice."""
    from calmline.analysis.runner import fit
    from calmline.etl.load import load

    root = tmp_path_factory.mktemp("vocabulary")
    source = root / "source"
    shutil.copytree(ROOT / "sample_data", source)
    draw = random.Random(11)
    for path in sorted((source / "calls").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        rows[0].append("greeted_by_name")
        for row in rows[1:]:
            row.append("" if draw.random() < 0.01 else str(draw.random() < 0.6).lower())
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    db = root / "calmline.duckdb"
    report = load(source, db)
    assert not any(r.extra_columns for r in report.files)  # a contract column, not an extra one
    fit(db, list(vocabulary.practice_names()))
    return db


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_new_practice_is_loaded_as_a_contract_column(centre):
    used, assessed, calls = _query(centre, "SELECT count(*) FILTER (greeted_by_name), count(greeted_by_name), "
                                           "count(*) FROM calls")[0]
    assert 0.55 < used / assessed < 0.65 and 0.97 < assessed / calls < 1
    assert _query(centre, "SELECT label FROM practices WHERE practice = 'greeted_by_name'") == [("Greeted by name",)]


def test_a_new_practice_is_in_every_mart(centre):
    summed = _query(centre, "SELECT sum(greeted_by_name), sum(greeted_by_name_assessed) FROM call_summary")
    direct = _query(centre, "SELECT count(*) FILTER (greeted_by_name), count(greeted_by_name) FROM call_facts "
                            "WHERE churned_at IS NULL OR churned_at >= call_date")
    assert summed == direct and 0 < direct[0][0] < direct[0][1]
    long = _query(centre, "SELECT count(*) FILTER (used), count(*) FILTER (assessed) FROM call_practices "
                          "WHERE practice = 'greeted_by_name'")
    wide = _query(centre, "SELECT count(*) FILTER (greeted_by_name), count(greeted_by_name) FROM call_facts")
    assert long == wide


def test_a_new_practice_is_estimated_like_the_others(centre):
    rows = _query(centre, "SELECT method, estimate, ci_low, ci_high FROM practice_effects "
                          "WHERE practice = 'greeted_by_name' AND effect = 'total' "
                          "AND scale = 'risk_difference'")
    methods = {m for m, *_ in rows}
    assert {"logit", "aipw"} <= methods
    for _, estimate, low, high in rows:
        assert low <= estimate <= high and high - low < 0.2
    assert _query(centre, "SELECT count(*) FROM agent_adoption WHERE practice = 'greeted_by_name'")[0][0] > 0


def test_a_new_practice_appears_in_the_dashboards_figures(centre):
    from calmline.dashboard import data
    from calmline.dashboard.figures import trend_plot
    from calmline.dashboard.figures.effects import forest_plot

    effects = data.frame("run_practice_effects", db=centre, run_id=1)
    forest = forest_plot(effects)
    assert "Greeted by name" in forest.layout.yaxis.ticktext
    params = dict.fromkeys(data.FILTER_PARAMS)
    adoption = data.frame("monthly_adoption", db=centre, **params)
    assert "greeted_by_name" in set(adoption["practice"])
    wide = adoption.pivot(index="month", columns="practice", values="adoption").reset_index()
    trend = trend_plot(wide, ["greeted_by_name"], "Share of upset calls")
    assert [t.name for t in trend.data] == ["Greeted by name"]


def test_the_training_module_of_a_new_practice_is_accepted(with_new_practice):
    from calmline.etl.contract import entity

    module = next(c for c in entity("training").columns if c.name == "module")
    assert "'greeted_by_name'" in module.check


def test_the_specification_names_what_the_design_encodes(monkeypatch):
    assert {c for c, _ in ADJUSTED_FOR} == set(ENCODED)
    text = specification(30)
    assert "30-day window" in text and all(label in text for _, label in ADJUSTED_FOR)
    monkeypatch.setattr(vocabulary, "UPSET_ANGER", 4)
    assert "anger_level >= 4" in specification(90)


def test_labels_come_from_the_vocabulary(monkeypatch):
    from calmline.dashboard.figures.style import practice_label

    monkeypatch.setattr(vocabulary, "PRACTICES", tuple(
        replace(p, label="Owned it") if p.name == "took_ownership" else p for p in vocabulary.PRACTICES))
    assert practice_label("took_ownership") == "Owned it"
    assert practice_label("issue_type") == "Issue type"
