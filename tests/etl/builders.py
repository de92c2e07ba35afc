"""A small, valid source folder that each test bends into the case it checks."""

from __future__ import annotations

import csv
from pathlib import Path

AGENTS = [
    {"agent_id": "A1", "team": "Red", "site": "Leeds", "hire_date": "2022-01-10"},
    {"agent_id": "A2", "team": "Blue", "site": "Cork", "hire_date": "2023-05-01"},
]
CUSTOMERS = [
    {"customer_id": "C1", "signup_date": "2020-01-01", "plan": "basic", "monthly_value": "20",
     "region": "north", "churned_at": ""},
    {"customer_id": "C2", "signup_date": "2021-06-01", "plan": "premium", "monthly_value": "80",
     "region": "south", "churned_at": "2025-03-01"},
    {"customer_id": "C3", "signup_date": "2022-02-02", "plan": "basic", "monthly_value": "25",
     "region": "north", "churned_at": ""},
]
PRACTICES = ["let_vent", "verified_understanding", "empathized", "apologized",
             "asked_desired_outcome", "agreement_obtained", "took_ownership", "summarized",
             "thanked", "followup_promised"]
CALL_COLUMNS = ["call_id", "customer_id", "agent_id", "started_at", "channel", "issue_type",
                "anger_level", "wait_s", "handle_s", "hold_s", "transfers", "resolved",
                *PRACTICES, "options_offered", "csat"]


def call(call_id: str = "K9", **over: str) -> dict[str, str]:
    """A valid upset phone call on 2025-01-05, with ``over`` replacing fields."""
    row = {"call_id": call_id, "customer_id": "C1", "agent_id": "A1",
           "started_at": "2025-01-05T10:00:00", "channel": "phone", "issue_type": "billing",
           "anger_level": "4", "wait_s": "30", "handle_s": "300", "hold_s": "0", "transfers": "0",
           "resolved": "true", **{p: "true" for p in PRACTICES}, "options_offered": "2", "csat": "4"}
    row.update(over)
    return row


CALLS = [
    call("K1"),
    call("K2", customer_id="C2", agent_id="A2", started_at="2025-01-06T11:00:00", anger_level="3"),
    call("K3", customer_id="C3", started_at="2025-01-07T09:00:00", anger_level="1", channel="chat"),
]
FOLLOW_UPS = [{"call_id": "K1", "followup_at": "2025-01-08T10:00:00", "channel": "phone"}]
TRAINING = [{"agent_id": "A1", "module": "apologized", "completed_at": "2024-12-01"}]

BASE = {
    "agents.csv": AGENTS,
    "customers.csv": CUSTOMERS,
    "calls/calls_2025-01.csv": CALLS,
    "follow_ups.csv": FOLLOW_UPS,
    "training.csv": TRAINING,
}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write ``rows`` as a comma-separated file with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(rows[0].keys())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_source(root: Path, **replace: list[dict[str, str]] | None) -> Path:
    """Write the base folder under ``root``; ``calls=[...]`` etc. replace an entity's rows.

    Passing ``None`` leaves that entity's file out.
    """
    names = {"agents": "agents.csv", "customers": "customers.csv",
             "calls": "calls/calls_2025-01.csv", "follow_ups": "follow_ups.csv",
             "training": "training.csv"}
    for entity, rel in names.items():
        rows = replace.get(entity, BASE[rel])
        if rows is None:
            continue
        columns = CALL_COLUMNS if entity == "calls" else None
        write_csv(root / rel, rows, columns)
    return root
