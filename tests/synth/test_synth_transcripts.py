"""The generator's transcripts and the planted effects of how practices are done (#17).

The SMALL world of the shared ``factual`` fixture already has its transcripts.parquet; its
truth (what each transcript renders) is rebuilt in memory from the same seed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from calmline import vocabulary
from calmline.synth import effects as fx
from calmline.synth import generate
from calmline.synth.transcripts import TURN_RANGE, render, true_values
from calmline.synth.variants import sides
from calmline.synth.world import build_world, call_state, churn_of
from calmline.transcripts.accuracy import binary_scores
from calmline.transcripts.detect import detect
from calmline.transcripts.read import read_transcripts
from tests.synth.worlds import SEED, SMALL

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def small_truth():
    """What each transcript of the SMALL world renders, per call_id."""
    world = build_world(SEED, SMALL, dt.date(2025, 1, 1), 12)
    state = call_state(world)
    happened = world.day < churn_of(world, state).churn_day[world.customer]
    truth = true_values(world, state, happened)
    from calmline.synth.write import call_ids
    frame = pd.DataFrame({k: v for k, v in truth.items() if k != "index"})
    frame.index = call_ids(truth["index"]).to_pylist()
    return frame


@pytest.fixture(scope="module")
def detected(factual):
    """The SMALL world's transcripts read by the ETL's reader and scored by the detector."""
    folder, calls, _ = factual
    con = duckdb.connect()
    con.register("known", calls[["call_id"]])
    report = read_transcripts(con, folder / "transcripts.parquet", known_calls="known")
    detect(con)
    turns = con.execute("SELECT * FROM transcript_turns").df()
    out = con.execute("SELECT * FROM transcript_calls").df().set_index("call_id")
    con.close()
    return report, turns, out


def test_transcripts_cover_the_upset_calls_and_pass_the_etl_reader(factual, detected):
    """Every upset call in the calls files has a transcript the ETL reads without a reject."""
    _, calls, _ = factual
    report, turns, _ = detected
    assert report.rows_rejected == 0
    assert report.rows_read == report.rows_loaded == len(turns)
    upset = set(calls.call_id[calls.anger >= vocabulary.UPSET_ANGER])
    assert set(turns.call_id) == upset
    per_call = turns.groupby("call_id").size()
    assert per_call.between(*TURN_RANGE).all()
    assert set(turns.speaker) == {"agent", "customer"}


def test_timing_phone_overlaps_chat_never_and_the_call_lasts_its_handle_time(factual, detected,
                                                                            small_truth):
    """Phone interruptions overlap the customer's turn; chat turns never overlap; the last
    turn ends near the call's handle_s."""
    _, calls, _ = factual
    _, turns, _ = detected
    turns = turns.sort_values(["call_id", "turn"])
    prev_end = turns.groupby("call_id").end_s.shift()
    overlap = (turns.start_s < prev_end).groupby(turns.call_id).any()
    info = calls.set_index("call_id").reindex(overlap.index)
    interrupted = small_truth.reindex(overlap.index).vent_interruptions > 0
    phone = info.channel == "phone"
    assert overlap[phone & interrupted].all()
    assert not overlap[~phone].any()
    assert (turns.groupby("call_id").start_s.diff().dropna() >= 0).all()
    duration = turns.groupby("call_id").end_s.max()
    ratio = duration / info.handle_s.astype(float)
    assert ratio.median() == pytest.approx(1.0, abs=0.05)


FLAGS = ("let_vent", "verified_understanding", "empathized", "apologized", "asked_desired_outcome",
         "offered_options", "agreement_obtained", "took_ownership", "summarized", "thanked",
         "followup_promised", "verify_verbatim", "apology_early", "vent_interrupted",
         "empathy_negated", "policy_language", "handoff")


def _pairs(truth: pd.DataFrame, found: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    t, d = truth, found.reindex(truth.index)
    return {
        **{name: (t[name], d[name]) for name in vocabulary.qa_flags()},
        "offered_options": (t.options_offered >= 2, d.options_offered >= 2),
        "verify_verbatim": (t.verify_mode == "verbatim", d.verify_mode == "verbatim"),
        "apology_early": (t.apology_early,
                          d.first_apology_position < vocabulary.EARLY_APOLOGY_SHARE),
        "vent_interrupted": (t.vent_interruptions > 0, d.vent_interruptions > 0),
        **{name: (t[name], d[name]) for name in ("empathy_negated", "policy_language", "handoff")},
    }


def test_detection_finds_what_the_generator_rendered(detected, small_truth):
    """Wiring check, not accuracy: the detector, run on the generator's own phrases, finds each
    practice and variant the transcript renders: F1 >= 0.9 and Cohen's kappa >= 0.7 each on the
    punctuated transcripts (the ~15% of phone calls written like raw ASR, lower case with no
    punctuation, are scored too and printed, not held to it). Kappa of thanked is the lowest
    (0.74 on this world) because the detector scores "Thanks for that." after an account number
    as thanks. Printed per practice with ``-s``."""
    _, turns, found = detected
    punctuated = turns.groupby("call_id").text.agg(lambda t: t.str.contains(r"[.?!,]").any())
    rows = []
    for subset, calls in (("all", small_truth.index), ("punctuated", punctuated.index[punctuated])):
        t = small_truth.reindex(calls)
        for name, (truth, det) in _pairs(t, found).items():
            scores = binary_scores(np.asarray(truth, bool), np.asarray(det.fillna(False), bool))
            rows.append({"calls": subset, "practice": name,
                         **{k: scores[k] for k in ("n", "tp", "fp", "fn", "f1", "kappa")}})
    every = pd.DataFrame(rows).set_index(["calls", "practice"])
    print("\n" + every.round(3).to_string())
    table = every.loc["punctuated"]
    assert set(table.index) == set(FLAGS)
    assert 0.8 < table.n.iloc[0] / every.loc["all"].n.iloc[0] < 0.95
    assert (table.f1 >= 0.9).all(), table[table.f1 < 0.9]
    assert (table.kappa >= 0.7).all(), table[table.kappa < 0.7]
    # the variants and the opening are rendered exactly as the truth says
    exact = small_truth.vent_interruptions.to_numpy() == found.reindex(small_truth.index).vent_interruptions.to_numpy()
    assert exact.all()
    for name in ("vent_interrupted", "policy_language", "handoff", "empathy_negated"):
        assert table.loc[name, "f1"] >= 0.99


def test_dispute_sides_are_read_from_the_vocabulary(monkeypatch):
    """The groups and sides come from vocabulary.DISPUTES' SQL: changing a dispute's treated
    expression there flips the generator's side."""
    facts = {"verify_mode": np.array(["verbatim", "paraphrase", "none"]),
             "apologized": np.array([True, True, False]), "early": np.array([True, False, True]),
             "vent_interruptions": np.array([0, 2, 1], dtype=np.int8),
             "empathized": np.array([True, True, False]),
             "empathy_negated": np.array([True, False, False]),
             "policy_language": np.array([False, True, False]),
             "handoff": np.array([False, True, False]), "took_ownership": np.array([True, False, False])}
    got = sides(facts)
    assert list(got) == [d.name for d in vocabulary.DISPUTES]
    among, treated = got["verify_verbatim"]
    assert among.tolist() == [True, True, False] and treated.tolist() == [True, False, False]
    assert got["apology_early"][0].tolist() == [True, True, False]
    assert got["apology_early"][1].tolist() == [True, False, False]
    assert got["vent_interrupted"][1].tolist() == [False, True, True]
    assert got["handoff_vs_ownership"][0].tolist() == [True, True, False]
    flipped = tuple(dataclasses.replace(d, treated="verify_mode = 'paraphrase'")
                    if d.name == "verify_verbatim" else d for d in vocabulary.DISPUTES)
    monkeypatch.setattr(vocabulary, "DISPUTES", flipped)
    assert sides(facts)["verify_verbatim"][1].tolist() == [False, True, False]


def test_ground_truth_of_each_disputed_point(factual, small_truth):
    """Every dispute of the vocabulary has its planted numbers; with common random numbers a
    call on the side with higher log-odds can only churn more, so the call-level risk
    difference never has the opposite sign of the contrast (and has its sign at 90 days); adoption and n match the truth."""
    folder, calls, truth = factual
    disputes = truth["disputes"]
    assert list(disputes) == [d.name for d in vocabulary.DISPUTES]
    upset = calls[calls.anger >= vocabulary.UPSET_ANGER].set_index("call_id")
    window = (upset.day + pd.Timedelta(days=vocabulary.HEADLINE_HORIZON)
              <= pd.Timestamp(truth["as_of"]))
    t = small_truth.reindex(upset.index[window])
    groups = {"verify_verbatim": (t.verify_mode != "none", t.verify_mode == "verbatim"),
              "apology_early": (t.apologized, t.apology_early),
              "vent_interrupted": (np.ones(len(t), bool), t.vent_interruptions > 0),
              "empathy_negated": (t.empathized, t.empathy_negated),
              "policy_language": (np.ones(len(t), bool), t.policy_language),
              "handoff_vs_ownership": (t.handoff | t.took_ownership, t.handoff)}
    for name, entry in disputes.items():
        assert entry["log_odds_coefficient"] == fx.DISPUTE_EFFECT[name]
        among, treated = (np.asarray(x, bool) for x in groups[name])
        assert entry["n_among_upset_calls_in_window"]["90d"] == among.sum()
        assert entry["adoption"] == pytest.approx(treated[among].mean())
        assert 0.1 < entry["adoption"] < 0.9
        for h in vocabulary.HORIZONS:
            rd = entry["call_level_risk_difference"][f"{h}d"]
            assert rd * np.sign(entry["log_odds_contrast"]) >= 0, (name, h, rd)
        rd = entry["call_level_risk_difference"][f"{vocabulary.HEADLINE_HORIZON}d"]
        assert np.sign(rd) == np.sign(entry["log_odds_contrast"]), (name, rd)
    assert disputes["vent_interrupted"]["log_odds_contrast"] == -fx.TRIGGER_PRACTICE["let_vent"]
    assert disputes["handoff_vs_ownership"]["through_practice"] == "took_ownership"


def test_same_seed_same_transcripts_and_no_transcripts_removes_them(tmp_path):
    """Two runs with one seed write byte-identical transcripts; --no-transcripts leaves none."""
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, 120, 3)
    generate(b, 120, 3)
    assert (a / "transcripts.parquet").read_bytes() == (b / "transcripts.parquet").read_bytes()
    summary = generate(a, 120, 3, transcripts=False)
    assert not (a / "transcripts.parquet").exists()
    assert "transcript_turns" not in summary["rows"]


def test_sample_transcripts_are_small_and_cover_its_upset_calls():
    """sample_data/transcripts.parquet: under 3 MB, one transcript per upset call of the calls
    files (not the dirty rows), and its ground truth has every disputed point."""
    path = SAMPLE / "transcripts.parquet"
    assert path.stat().st_size < 3_000_000
    turns = pq.read_table(path, columns=["call_id"]).column("call_id").to_pandas()
    calls = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                       for p in sorted((SAMPLE / "calls").glob("calls_*.csv"))])
    truth = json.loads((SAMPLE / "ground_truth.json").read_text())
    dirty = {r["call_id"] for r in truth["dirty_rows"]["rows"]}
    clean = calls[~calls.call_id.isin(dirty)]
    upset = set(clean.call_id[clean.anger_level.astype(int) >= vocabulary.UPSET_ANGER])
    assert set(turns) == upset
    assert list(truth["disputes"]) == [d.name for d in vocabulary.DISPUTES]


def test_render_is_independent_of_the_files(tmp_path):
    """render() in memory gives the turns generate() writes."""
    world = build_world(3, 120, dt.date(2025, 1, 1), 12)
    state = call_state(world)
    happened = world.day < churn_of(world, state).churn_day[world.customer]
    table, truth = render(world, state, happened)
    generate(tmp_path, 120, 3)
    assert pq.read_table(tmp_path / "transcripts.parquet").equals(table)
    assert len(truth["call_id"]) == len(set(table.column("call_id").to_pylist()))


def test_a_disputed_point_the_generator_cannot_plant_is_refused(monkeypatch, tmp_path):
    """A dispute added to the vocabulary without planted numbers stops generate, naming it."""
    extra = vocabulary.Dispute("blamed", "Blaming", "blaming", "blaming IS NOT NULL", "blamed",
                               "did not", "Never blame the customer.", "two playbooks")
    monkeypatch.setattr(vocabulary, "DISPUTES", (*vocabulary.DISPUTES, extra))
    with pytest.raises(ValueError, match="blamed: no planted variant"):
        generate(tmp_path, 50, 1)
