"""benchmarks.replicate_source: a larger centre made of copies of a generated one, with a fractional
last copy (a share of the customers, their calls and those calls' follow-ups), ids unique."""

from __future__ import annotations

import duckdb
import pandas as pd

from benchmarks.replicate_source import replicate


def _source(folder):
    (folder / "calls").mkdir(parents=True)
    customers = [f"CUST-{i:04d}" for i in range(400)]
    pd.DataFrame({"customer_id": customers, "plan": "basic"}).to_csv(folder / "customers.csv", index=False)
    calls = pd.DataFrame({"call_id": [f"CALL-{i:05d}" for i in range(1200)],
                          "customer_id": [customers[i % 400] for i in range(1200)]})
    calls.iloc[:600].to_csv(folder / "calls" / "calls_2025-01.csv", index=False)
    calls.iloc[600:].to_csv(folder / "calls" / "calls_2025-02.csv", index=False)
    calls.iloc[::3][["call_id"]].assign(channel="phone").to_csv(folder / "follow_ups.csv", index=False)
    for name in ("agents.csv", "training.csv", "ground_truth.json"):
        (folder / name).write_text("x\n")


def test_a_fractional_copy_takes_a_share_of_the_customers_with_their_calls_and_follow_ups(tmp_path):
    _source(tmp_path / "src")
    replicate(tmp_path / "src", tmp_path / "out", 2.5)
    con = duckdb.connect()
    read = lambda name: con.sql(f"SELECT * FROM read_csv('{tmp_path / 'out' / name}', all_varchar = true)").df()
    customers, calls, follow = read("customers.csv"), read("calls/*.csv"), read("follow_ups.csv")
    assert customers["customer_id"].is_unique and calls["call_id"].is_unique and follow["call_id"].is_unique
    third = customers[customers["customer_id"].str.endswith("-3")]
    assert 150 <= len(third) <= 250  # about half of the 400, chosen by a hash of the id
    assert len(customers) == 800 + len(third)
    # every call's customer is there, and each kept customer has all three of its calls in each copy
    assert set(calls["customer_id"]) == set(customers["customer_id"])
    assert (calls.groupby("customer_id").size() == 3).all()
    # the follow-ups are those of copied calls only: every third call of each copy
    assert set(follow["call_id"]) <= set(calls["call_id"])
    assert len(follow) == sum(int(c.split("-")[1]) % 3 == 0 for c in calls["call_id"])


def test_whole_copies_copy_everything(tmp_path):
    _source(tmp_path / "src")
    replicate(tmp_path / "src", tmp_path / "out", 2)
    con = duckdb.connect()
    n = con.sql(f"SELECT count(*) FROM read_csv('{tmp_path / 'out' / 'calls' / '*.csv'}')").fetchall()[0][0]
    assert n == 2400
