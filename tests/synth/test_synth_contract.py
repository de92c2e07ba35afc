"""The generated files follow calmline's input contract (names, columns, types, ranges, keys)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from calmline import vocabulary
from calmline.synth import generate

CUSTOMERS, SEED = 1500, 3
AS_OF = pd.Timestamp("2026-01-01")
BOOLEANS = ["let_vent", "verified_understanding", "empathized", "apologized",
            "asked_desired_outcome", "agreement_obtained", "took_ownership", "summarized",
            "thanked", "followup_promised"]
CALL_COLUMNS = (["call_id", "customer_id", "agent_id", "started_at", "channel", "issue_type",
                 "anger_level", "wait_s", "handle_s", "hold_s", "transfers", "resolved"]
                + BOOLEANS + ["options_offered", "csat", "compensation_value"])


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth_contract")
    summary = generate(folder, CUSTOMERS, SEED)
    return folder, summary


@pytest.fixture(scope="module")
def calls(out):
    folder, _ = out
    frames = []
    for path in sorted((folder / "calls").glob("calls_*.csv")):
        frame = read(path)
        frame["file"] = path.name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def customers(out):
    return read(out[0] / "customers.csv")


@pytest.fixture(scope="module")
def agents(out):
    return read(out[0] / "agents.csv")


@pytest.fixture(scope="module")
def follow_ups(out):
    return read(out[0] / "follow_ups.csv")


@pytest.fixture(scope="module")
def training(out):
    return read(out[0] / "training.csv")


def test_files_and_summary(out, calls, customers, agents, follow_ups, training):
    folder, summary = out
    names = sorted(p.name for p in (folder / "calls").iterdir())
    assert names == [f"calls_2025-{m:02d}.csv" for m in range(1, 13)]
    assert summary["as_of"] == "2026-01-01"
    turns = pq.read_metadata(folder / "transcripts.parquet").num_rows
    assert summary["rows"] == {"calls": len(calls), "customers": len(customers),
                               "agents": len(agents), "follow_ups": len(follow_ups),
                               "training": len(training), "dirty_calls": 0,
                               "transcript_turns": turns}
    assert turns > 15 * (calls.anger_level.astype(int) >= 3).sum()
    assert (folder / "ground_truth.json").exists()


def test_calls_columns_and_values(calls):
    assert list(calls.columns[:-1]) == CALL_COLUMNS      # the last one is the test's "file"
    assert calls.call_id.is_unique
    assert calls.call_id.str.fullmatch(r"CALL-\d{9}").all()
    assert set(calls.channel) == {"phone", "chat", "email"}
    assert {"billing", "outage", "technical fault", "cancellation", "delivery",
            "account change"} == set(calls.issue_type)
    anger = calls.anger_level.astype(int)
    assert anger.between(1, 5).all()
    assert 0.35 <= (anger >= 3).mean() <= 0.45
    for col in ["wait_s", "hold_s", "transfers", "options_offered"]:
        assert (calls[col].astype(int) >= 0).all(), col
    assert (calls.handle_s.astype(int) > 0).all()
    assert (calls.hold_s.astype(int) <= calls.handle_s.astype(int)).all()
    assert (calls.options_offered.astype(int) <= 4).mean() > 0.95
    assert set(calls.resolved) == {"true", "false"}


def test_practices_are_booleans_with_a_few_not_assessed(calls):
    for col in BOOLEANS:
        assert set(calls[col]) == {"true", "false", ""}, col
    empty = calls[BOOLEANS] == ""
    assert (empty.all(axis=1) == empty.any(axis=1)).all()     # QA skipped the whole call
    assert 0.005 <= empty.all(axis=1).mean() <= 0.04


def test_compensation_value_is_money_or_zero(calls, customers):
    text = calls.compensation_value
    assert text.str.fullmatch(r"0|[1-9]\d*\.\d{2}").all()     # 0 as 0, else 2 decimals
    value = text.astype(float)
    assert (value >= 0).all()
    assert 0.05 <= (value > 0).mean() <= 0.3                  # some calls, not most
    assert value[value > 0].min() >= 1.0
    monthly = customers.set_index("customer_id").monthly_value.astype(float)
    share = value / monthly.reindex(calls.customer_id).clip(lower=10).to_numpy()
    assert 0.3 <= share[value > 0].median() <= 0.8            # around half a month


def test_csat_mostly_unanswered(calls):
    answered = calls.csat != ""
    assert 0.22 <= answered.mean() <= 0.38
    assert calls.csat[answered].astype(int).between(1, 5).all()


def test_started_at_iso_in_the_right_month_file_and_before_as_of(calls):
    assert calls.started_at.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()
    started = pd.to_datetime(calls.started_at, format="%Y-%m-%dT%H:%M:%S")
    assert started.min() >= pd.Timestamp("2025-01-01")
    assert started.max() < AS_OF
    assert (("calls_" + started.dt.strftime("%Y-%m") + ".csv") == calls.file).all()


def test_calls_volume_per_customer(calls, customers):
    assert 5 <= len(calls) / len(customers) <= 8


def test_customers(customers):
    assert list(customers.columns) == ["customer_id", "signup_date", "plan", "monthly_value",
                                       "region", "churned_at"]
    assert customers.customer_id.is_unique
    signup = pd.to_datetime(customers.signup_date, format="%Y-%m-%d")
    assert signup.max() <= AS_OF
    assert (signup.max() - signup.min()).days > 5 * 365            # tenure varies
    assert set(customers.plan) == {"basic", "standard", "premium"}
    assert customers.monthly_value.str.fullmatch(r"\d+\.\d{2}").all()
    value = customers.monthly_value.astype(float)
    medians = value.groupby(customers.plan).median()
    assert medians["basic"] < medians["standard"] < medians["premium"]
    assert 4 <= customers.region.nunique() <= 8
    churned = customers.churned_at != ""
    churn_date = pd.to_datetime(customers.churned_at[churned], format="%Y-%m-%d")
    assert (churn_date >= signup[churned]).all()
    assert (churn_date <= AS_OF).all()
    assert 0.1 <= churned.mean() <= 0.4


def test_agents(agents, customers):
    assert list(agents.columns) == ["agent_id", "team", "site", "hire_date"]
    assert agents.agent_id.is_unique
    assert max(12, len(customers) / 80) <= len(agents) <= max(12, len(customers) / 40)
    assert agents.team.nunique() >= 4
    assert agents.site.nunique() >= 2
    assert (agents.groupby("team").site.nunique() == 1).all()     # a team sits at one site
    assert (pd.to_datetime(agents.hire_date, format="%Y-%m-%d") <= AS_OF).all()


def test_foreign_keys_resolve(calls, customers, agents, follow_ups, training):
    assert calls.customer_id.isin(customers.customer_id).all()
    assert calls.agent_id.isin(agents.agent_id).all()
    assert follow_ups.call_id.isin(calls.call_id).all()
    assert training.agent_id.isin(agents.agent_id).all()


def test_no_calls_after_churn_or_before_signup_or_hire(calls, customers, agents):
    merged = calls.merge(customers, on="customer_id").merge(agents, on="agent_id")
    day = pd.to_datetime(merged.started_at).dt.normalize()
    churned = merged.churned_at != ""
    assert (day[churned] < pd.to_datetime(merged.churned_at[churned])).all()
    assert (day >= pd.to_datetime(merged.signup_date)).all()
    assert (day >= pd.to_datetime(merged.hire_date)).all()


def test_follow_ups(follow_ups, calls):
    assert list(follow_ups.columns) == ["call_id", "followup_at", "channel"]
    assert follow_ups.call_id.is_unique
    assert set(follow_ups.channel) <= {"phone", "email", "sms"}
    merged = follow_ups.merge(calls, on="call_id", suffixes=("", "_call"))
    at = pd.to_datetime(merged.followup_at, format="%Y-%m-%dT%H:%M:%S")
    started = pd.to_datetime(merged.started_at)
    assert (at >= started).all()
    assert (at < AS_OF).all()
    delay_days = (at - started).dt.total_seconds() / 86400
    assert delay_days.min() < 1 and delay_days.max() > 30          # hours to ~40 days


def test_follow_ups_mostly_follow_promises(follow_ups, calls):
    assessed = calls[calls.followup_promised != ""]
    has = assessed.call_id.isin(follow_ups.call_id)
    promised = assessed.followup_promised == "true"
    assert has[promised].mean() > 3 * has[~promised].mean()
    assert promised[has].mean() > 0.6


def test_training(training, agents):
    assert list(training.columns) == ["agent_id", "module", "completed_at"]
    assert set(training.module) <= set(vocabulary.training_modules())
    assert "compensated" in set(training.module)
    done = pd.to_datetime(training.completed_at, format="%Y-%m-%d")
    assert (done < AS_OF).all()
    assert (done >= pd.Timestamp("2025-01-01")).mean() > 0.5        # most during the period
    merged = training.merge(agents, on="agent_id")
    assert (pd.to_datetime(merged.completed_at) >= pd.to_datetime(merged.hire_date)).all()
    assert not training.duplicated(["agent_id", "module"]).any()


def test_ground_truth_lists_the_vocabulary_practices_in_order(out):
    truth = json.loads((out[0] / "ground_truth.json").read_text())
    assert list(truth["practices"]) == list(vocabulary.practice_names())
    assert list(truth["trigger_model"]["practices"]) == list(vocabulary.practice_names())
    assert "compensated" in truth["practices"]


def test_other_start_and_length(tmp_path):
    summary = generate(tmp_path, 200, 1, start=dt.date(2024, 3, 15), months=3)
    assert summary["as_of"] == "2024-06-15"
    names = sorted(p.name for p in (tmp_path / "calls").iterdir())
    assert names == ["calls_2024-03.csv", "calls_2024-04.csv", "calls_2024-05.csv",
                     "calls_2024-06.csv"]
    latest = []
    for path in (tmp_path / "calls").iterdir():
        latest.append(read(path).started_at.max())
    assert max(latest) < "2024-06-15"
    churned = read(tmp_path / "customers.csv").churned_at
    assert churned[churned != ""].max() <= "2024-06-15"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", churned[churned != ""].iloc[0])
