"""generate(): determinism, the summary, dirty rows, sizing and argument checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from calmline.synth import CALLS_PER_CUSTOMER_YEAR, customers_for_calls, generate

CUSTOMERS = 600


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_calls(folder):
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                      for p in sorted((folder / "calls").glob("calls_*.csv"))], ignore_index=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    generate(folder, CUSTOMERS, 21)
    return folder


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dirty")
    summary = generate(folder, CUSTOMERS, 21, dirty_rows=25)
    return folder, summary


def test_same_seed_gives_byte_identical_files(clean, tmp_path):
    generate(tmp_path, CUSTOMERS, 21)
    assert files(tmp_path) == files(clean)


def test_different_seed_gives_different_data(clean, tmp_path):
    generate(tmp_path, CUSTOMERS, 22)
    other, mine = files(tmp_path), files(clean)
    assert other.keys() == mine.keys()
    for name in ["customers.csv", "agents.csv", "follow_ups.csv", "calls/calls_2025-06.csv",
                 "ground_truth.json"]:
        assert other[name] != mine[name], name


def test_rerun_into_same_folder_replaces_files(tmp_path):
    generate(tmp_path, 100, 1, months=14)
    generate(tmp_path, 100, 1, months=12)
    assert len(list((tmp_path / "calls").glob("calls_*.csv"))) == 12


def test_dirty_rows_count_and_kinds(dirty):
    folder, summary = dirty
    truth = json.loads((folder / "ground_truth.json").read_text())
    records = truth["dirty_rows"]["rows"]
    assert summary["rows"]["dirty_calls"] == 25 == truth["dirty_rows"]["count"] == len(records)
    kinds = pd.Series([r["kind"] for r in records]).value_counts()
    assert set(kinds.index) == {"anger_out_of_range", "negative_handle_s", "unknown_channel",
                                "bad_started_at", "unknown_customer_id", "anger_not_a_number"}
    assert kinds.min() >= 4
    calls = read_calls(folder).set_index("call_id")
    assert calls.index.is_unique
    customers = pd.read_csv(folder / "customers.csv", dtype=str).customer_id
    for r in records:
        row = calls.loc[r["call_id"]]
        assert row[r["column"]] == r["value"]
        if r["kind"] == "anger_out_of_range":
            assert row.anger_level in {"0", "7"}
        elif r["kind"] == "negative_handle_s":
            assert int(row.handle_s) < 0
        elif r["kind"] == "unknown_channel":
            assert row.channel == "fax"
        elif r["kind"] == "bad_started_at":
            assert pd.isna(pd.to_datetime(row.started_at, errors="coerce"))
        elif r["kind"] == "unknown_customer_id":
            assert not customers.isin([row.customer_id]).any()
        else:
            assert row.anger_level == "high"
        source = calls.loc[r["copied_from"]]           # a copy of a real call ...
        same = [c for c in calls.columns if c != r["column"]]
        assert (row[same] == source[same]).all()       # ... broken in exactly one field
    assert {r["file"] for r in records} <= {f"calls/{p.name}" for p in (folder / "calls").iterdir()}


def test_dirty_rows_do_not_touch_the_world(clean, dirty):
    folder, _ = dirty
    with_dirty, without = files(folder), files(clean)
    for name, content in without.items():
        if name.startswith("calls/"):
            assert with_dirty[name].startswith(content)        # clean rows first, unchanged
        elif name != "ground_truth.json":
            assert with_dirty[name] == content, name
    truth_dirty = json.loads(with_dirty["ground_truth.json"])
    truth_clean = json.loads(without["ground_truth.json"])
    assert truth_dirty["practices"] == truth_clean["practices"]
    assert truth_clean["dirty_rows"]["count"] == 0
    assert truth_clean["dirty_rows"]["rows"] == []
    assert sum(truth_clean["dirty_rows"]["by_kind"].values()) == 0


def test_customers_for_calls_hits_a_target(tmp_path):
    expected = 2_000_000 / CALLS_PER_CUSTOMER_YEAR
    assert customers_for_calls(2_000_000) == pytest.approx(expected, rel=1e-3)
    summary = generate(tmp_path, customers_for_calls(30_000), 5, transcripts=False)
    assert summary["rows"]["calls"] == pytest.approx(30_000, rel=0.08)


@pytest.mark.parametrize("kwargs", [{"customers": 0}, {"seed": -1}, {"months": 0},
                                    {"dirty_rows": -3}, {"force": {"smiled": True}}])
def test_bad_arguments_are_refused(tmp_path, kwargs):
    args = {"customers": 50, "seed": 1} | kwargs
    with pytest.raises(ValueError):
        generate(tmp_path, **args)
