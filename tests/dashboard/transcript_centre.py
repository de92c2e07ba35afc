"""A tiny centre with transcripts for the call page's tests: the small source folder of the ETL
tests, agent A1's upset call K1 with a transcript full of hostile text (its calls-file QA left
apologized, empathized, thanked and options_offered empty, so the transcript fills them), K2
(agent A2) without one.

Loading it takes about a second; the fitted sample is not needed (the call page and the agent's
upset calls read no model results)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import load_api
from tests.etl.builders import CALLS, call, make_source

ATTACKS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click here](javascript:alert(1))",
    "javascript:alert(document.cookie)",
    "{{7*7}} ${7*7} {% raw %}",
    "\u202eRTL override\u202c and zero\u200bwidth\u200d joiners",
)
"""Untrusted text put into K1's transcript: each must show as these very characters."""

LONG = "I have been waiting " + "and waiting " * 2000 + "for weeks."
"""A very long customer turn (about 24,000 characters)."""

TURNS = [
    {"speaker": "customer", "start_s": 0.0, "end_s": 9.0,
     "text": f"my bill doubled {ATTACKS[0]} and nobody told me why {ATTACKS[1]}"},
    {"speaker": "agent", "start_s": 9.5, "end_s": 14.0,
     "text": "I\u2019m so sorry about that, I can see why you'd be frustrated. SORRY again!"},
    {"speaker": "customer", "start_s": 14.5, "end_s": 30.0, "text": " ".join(ATTACKS[2:])},
    {"speaker": "agent", "start_s": 30.5, "end_s": 38.0,
     "text": "I understand, but that's our policy. Let me transfer you to billing <b>now</b>."},
    {"speaker": "customer", "start_s": 38.5, "end_s": 65.0, "text": LONG},
]
"""K1's transcript, turn by turn (0-based turns as stored)."""

FILLED = ("apologized", "empathized", "thanked", "offered_options")
"""K1's practices whose value comes from the transcript (QA left them, or options_offered, empty)."""


def build(root: Path) -> Path:
    """Write the source folder under ``root``, load it, and return the database's path."""
    calls = [call("K1", apologized="", empathized="", thanked="", options_offered=""), *CALLS[1:]]
    source = make_source(root / "src", calls=calls)
    (source / "transcripts.jsonl").write_text(json.dumps({"call_id": "K1", "turns": TURNS}) + "\n",
                                              encoding="utf-8")
    db = root / "calmline.duckdb"
    outcome = load_api(source, db)
    assert outcome.code == 0, outcome.output
    return db
