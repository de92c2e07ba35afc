"""The hand-labelled transcript set (tests/transcripts/labelled/) is well formed and large enough
to measure detection against: every line parses, the labels follow the rubric's types and rules,
every practice has enough positives and negatives, and the splits (dev, holdout and the later holdout2,
holdout3, holdout4, holdout5, holdout6 and holdout7) share no call ids and no call or long turn text."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

LABELLED = Path(__file__).resolve().parent / "labelled"
SPLITS = ("dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7")
ID_PREFIX = {"dev": "ev-0", "holdout": "ev-1", "holdout2": "ev-2", "holdout3": "ev-3", "holdout4": "ev-4",
             "holdout5": "ev-5", "holdout6": "ev-6", "holdout7": "ev-7"}
PRACTICES = ("let_vent", "verified_understanding", "empathized", "apologized", "asked_desired_outcome",
             "agreement_obtained", "took_ownership", "summarized", "thanked", "followup_promised")
FLAGS = PRACTICES + ("empathy_negated", "policy_language", "handoff", "blaming", "compensation_offered")
COUNTS = ("options_offered", "vent_interruptions")
VERIFY_MODES = ("verbatim", "paraphrase", "none")
MIN_EACH_WAY = 40
MIN_CALLS = 170
MIN_PER_MODE = 25
MIN_EACH_WAY_HOLDOUT2 = 10
MIN_EACH_WAY_HOLDOUT3 = 25
MIN_CALLS_HOLDOUT3 = 100
MIN_EACH_WAY_HOLDOUT4 = 30
MIN_CALLS_HOLDOUT4 = 120
MIN_PER_OPTIONS_COUNT_HOLDOUT4 = 20
MIN_EACH_WAY_HOLDOUT5 = 40
MIN_CALLS_HOLDOUT5 = 140
MIN_PER_OPTIONS_COUNT_HOLDOUT5 = 25
MIN_EACH_WAY_HOLDOUT6 = 50
MIN_CALLS_HOLDOUT6 = 200
MIN_PER_OPTIONS_COUNT_HOLDOUT6 = 25
MIN_EACH_WAY_HOLDOUT7 = 40
MIN_CALLS_HOLDOUT7 = 200
MIN_PER_MODE_HOLDOUT7 = 20
MIN_PER_OPTIONS_COUNT_HOLDOUT7 = 20
LONG_TURN_WORDS = 12


def _calls(split: str) -> list[tuple[str, int, dict]]:
    calls = []
    for path in sorted((LABELLED / split).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                call = json.loads(line)
            except json.JSONDecodeError as error:
                pytest.fail(f"{path.name}:{number}: invalid JSON ({error})")
            calls.append((f"{split}/{path.name}:{number}", number, call))
    return calls


ALL = [c for split in SPLITS for c in _calls(split)]
IDS = [where for where, _, _ in ALL]


def test_there_are_enough_calls_in_both_splits():
    assert len(ALL) >= MIN_CALLS
    assert all(_calls(split) for split in SPLITS)


def test_call_ids_are_unique_and_the_splits_are_disjoint():
    ids = {split: [c["call_id"] for _, _, c in _calls(split)] for split in SPLITS}
    for split, split_ids in ids.items():
        assert len(set(split_ids)) == len(split_ids), split
        assert all(i.startswith(ID_PREFIX[split]) for i in split_ids), f"{split}: ids outside its numbering"
    for a, b in itertools.combinations(SPLITS, 2):
        assert not set(ids[a]) & set(ids[b]), f"{a} and {b} share call ids"


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_no_call_or_long_turn_text_appears_in_two_splits():
    """A call copied or lightly edited into another split would leak it; short stock phrases
    ("what would you like us to do") may recur, whole calls and turns of 12+ words may not."""
    calls = {split: [c for _, _, c in _calls(split)] for split in SPLITS}
    whole = {split: {_normal(" ".join(t["text"] for t in c["turns"])): c["call_id"] for c in cs}
             for split, cs in calls.items()}
    long_turns = {split: {_normal(t["text"]): c["call_id"] for c in cs for t in c["turns"]
                          if len(_normal(t["text"]).split()) >= LONG_TURN_WORDS}
                  for split, cs in calls.items()}
    for a, b in itertools.combinations(SPLITS, 2):
        same = [(whole[a][t], whole[b][t]) for t in whole[a].keys() & whole[b].keys()]
        assert not same, f"{a} and {b} hold the same call: {same}"
        same = [(long_turns[a][t], long_turns[b][t]) for t in long_turns[a].keys() & long_turns[b].keys()]
        assert not same, f"{a} and {b} share a turn of {LONG_TURN_WORDS}+ words: {same}"


@pytest.mark.parametrize(("where", "number", "call"), ALL, ids=IDS)
def test_a_call_has_the_required_fields_and_types(where, number, call):
    assert isinstance(call["call_id"], str) and call["call_id"], where
    assert call["channel"] in ("phone", "chat"), where
    assert isinstance(call["industry"], str) and call["industry"], where
    assert isinstance(call.get("note", ""), str), where
    turns = call["turns"]
    assert isinstance(turns, list) and len(turns) >= 2, where
    for turn in turns:
        assert set(turn) == {"speaker", "start_s", "end_s", "text"}, where
        assert turn["speaker"] in ("agent", "customer"), where
        assert isinstance(turn["text"], str) and turn["text"].strip(), where
        for key in ("start_s", "end_s"):
            assert isinstance(turn[key], (int, float)) and not isinstance(turn[key], bool), where
        assert 0 <= turn["start_s"] <= turn["end_s"], where
    starts = [t["start_s"] for t in turns]
    assert starts == sorted(starts), f"{where}: turns out of order"
    labels = call["labels"]
    for flag in FLAGS:
        assert isinstance(labels[flag], bool), f"{where}: {flag}"
    for count in COUNTS:
        assert isinstance(labels[count], int) and not isinstance(labels[count], bool), f"{where}: {count}"
        assert labels[count] >= 0, f"{where}: {count}"
    assert labels["verify_mode"] in VERIFY_MODES, where
    assert labels["first_apology_turn"] is None or isinstance(labels["first_apology_turn"], int), where


@pytest.mark.parametrize(("where", "number", "call"), ALL, ids=IDS)
def test_a_call_follows_the_labelling_rules(where, number, call):
    labels, turns = call["labels"], call["turns"]
    first = labels["first_apology_turn"]
    assert (first is not None) == labels["apologized"], f"{where}: apologized vs first_apology_turn"
    if first is not None:
        assert 0 <= first < len(turns) and turns[first]["speaker"] == "agent", f"{where}: apology turn"
    assert (labels["verify_mode"] != "none") == labels["verified_understanding"], f"{where}: verify_mode"
    assert labels["let_vent"] == (labels["vent_interruptions"] == 0), f"{where}: let_vent vs interruptions"
    if call["channel"] == "chat":
        for before, after in zip(turns, turns[1:]):
            assert after["start_s"] >= before["end_s"], f"{where}: chat turns overlap"


@pytest.mark.parametrize("practice", PRACTICES)
def test_every_practice_has_enough_positives_and_negatives(practice):
    positives = sum(call["labels"][practice] for _, _, call in ALL)
    assert positives >= MIN_EACH_WAY, f"{practice}: {positives} positives"
    assert len(ALL) - positives >= MIN_EACH_WAY, f"{practice}: {len(ALL) - positives} negatives"


def test_both_verify_modes_and_every_options_count_are_represented():
    modes = [call["labels"]["verify_mode"] for _, _, call in ALL]
    assert modes.count("verbatim") >= MIN_PER_MODE
    assert modes.count("paraphrase") >= MIN_PER_MODE
    options = {call["labels"]["options_offered"] for _, _, call in ALL}
    assert {0, 1, 2, 3} <= options


def test_holdout2_alone_has_enough_of_every_label_to_score():
    """holdout2 is scored on its own (once, at the end), so each flag needs positives and negatives
    there, and every options count, both verify modes and interrupted openings must occur."""
    calls = [c for _, _, c in _calls("holdout2")]
    for flag in FLAGS:
        positives = sum(c["labels"][flag] for c in calls)
        assert positives >= MIN_EACH_WAY_HOLDOUT2, f"{flag}: {positives} positives"
        assert len(calls) - positives >= MIN_EACH_WAY_HOLDOUT2, f"{flag}: {len(calls) - positives} negatives"
    modes = [c["labels"]["verify_mode"] for c in calls]
    assert min(modes.count("verbatim"), modes.count("paraphrase")) >= MIN_EACH_WAY_HOLDOUT2
    options = [c["labels"]["options_offered"] for c in calls]
    assert all(options.count(n) >= 3 for n in (0, 1, 2, 3)), options


BLIND_SPLIT_MINIMA = {
    # split: (calls, positives and negatives of every flag, verbatim and paraphrase, calls per options count)
    "holdout3": (MIN_CALLS_HOLDOUT3, MIN_EACH_WAY_HOLDOUT3, 20, 10),
    "holdout4": (MIN_CALLS_HOLDOUT4, MIN_EACH_WAY_HOLDOUT4, MIN_PER_MODE, MIN_PER_OPTIONS_COUNT_HOLDOUT4),
    "holdout5": (MIN_CALLS_HOLDOUT5, MIN_EACH_WAY_HOLDOUT5, MIN_PER_MODE, MIN_PER_OPTIONS_COUNT_HOLDOUT5),
    "holdout6": (MIN_CALLS_HOLDOUT6, MIN_EACH_WAY_HOLDOUT6, MIN_PER_MODE, MIN_PER_OPTIONS_COUNT_HOLDOUT6),
    "holdout7": (MIN_CALLS_HOLDOUT7, MIN_EACH_WAY_HOLDOUT7, MIN_PER_MODE_HOLDOUT7, MIN_PER_OPTIONS_COUNT_HOLDOUT7),
}
"""What each blind split written to be scored on its own must hold (holdout3 in session 8,
holdout4 in session 9, holdout5 in session 10, holdout6 and holdout7 in session 11), so that its F1 and kappa mean something. let_vent's negatives are the
interrupted openings."""


@pytest.mark.parametrize("split", list(BLIND_SPLIT_MINIMA))
def test_a_blind_split_alone_has_enough_of_every_label_to_score(split):
    min_calls, each_way, per_mode, per_count = BLIND_SPLIT_MINIMA[split]
    calls = [c for _, _, c in _calls(split)]
    assert len(calls) >= min_calls, len(calls)
    for flag in FLAGS:
        positives = sum(c["labels"][flag] for c in calls)
        assert positives >= each_way, f"{flag}: {positives} positives"
        assert len(calls) - positives >= each_way, f"{flag}: {len(calls) - positives} negatives"
    modes = [c["labels"]["verify_mode"] for c in calls]
    assert min(modes.count("verbatim"), modes.count("paraphrase")) >= per_mode, modes
    options = [c["labels"]["options_offered"] for c in calls]
    assert all(options.count(n) >= per_count for n in (0, 1, 2, 3)), options
