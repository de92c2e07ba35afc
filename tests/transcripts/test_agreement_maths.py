"""The agreement maths of ``transcript_agreement`` (queries/marts/transcript_agreement.sql), the
view the Data health page and the saved query read: checked against a hand calculation, and
against :mod:`calmline.transcripts.accuracy` (statsmodels' ``cohens_kappa`` and Wilson intervals).

The view is run on a hand-made ``call_practice_sources`` table, so nothing is loaded or fitted.
"""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from calmline.queries import load_sql
from calmline.transcripts.accuracy import binary_scores, category_scores

Z = 1.959963984540054


def _agreement(pairs: list[tuple[str, int, int]], flags: tuple[str, ...] = ("apologized",)) -> dict[str, dict]:
    """transcript_agreement over ``pairs`` of (practice, qa_value, detected_value), one per call,
    the practices in ``flags`` being true/false ones; one dict per practice."""
    con = duckdb.connect()
    rows = pd.DataFrame([(f"C{i}", p, q, d) for i, (p, q, d) in enumerate(pairs)],  # noqa: F841 (read by SQL)
                        columns=["call_id", "practice", "qa_value", "detected_value"])
    con.execute("CREATE TABLE call_practice_sources AS SELECT call_id::VARCHAR AS call_id, "
                "practice::VARCHAR AS practice, qa_value::INTEGER AS qa_value, "
                "detected_value::INTEGER AS detected_value FROM rows")
    con.execute(f"CREATE MACRO practice_names() AS {list(flags)!r}")
    frame = con.execute(load_sql("marts/transcript_agreement")).df()
    return {row["practice"]: row for row in frame.to_dict("records")}


def _table(tp: int, fp: int, fn: int, tn: int, practice: str = "apologized") -> list[tuple[str, int, int]]:
    return ([(practice, 1, 1)] * tp + [(practice, 0, 1)] * fp + [(practice, 1, 0)] * fn
            + [(practice, 0, 0)] * tn)


def test_a_two_by_two_table_worked_by_hand():
    """50 calls, QA the reference:

    ==============  ===========  ==========
    .               detected yes detected no
    QA yes          tp = 20      fn = 10
    QA no           fp = 5       tn = 15
    ==============  ===========  ==========

    - agreement = (20 + 15) / 50 = 0.70
    - precision = 20 / (20 + 5) = 0.80; recall = 20 / (20 + 10) = 0.667
    - chance agreement p_e = 0.6 x 0.5 (both yes) + 0.4 x 0.5 (both no) = 0.50, so
      kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    - kappa's variance (Fleiss, Cohen & Everitt 1969), cell shares p11 = .4, p12 = .2 (fn),
      p21 = .1 (fp), p22 = .3, QA margins .6/.4, detected margins .5/.5:
      A = .4 (1 - (.6 + .5)(.6))^2 + .3 (1 - (.4 + .5)(.6))^2 = .04624 + .06348 = .10972;
      B = (.6)^2 [.2 (.5 + .4)^2 + .1 (.5 + .6)^2] = .36 x .283 = .10188;
      C = (.4 - .5 x .6)^2 = .01; var = (A + B - C) / ((1 - .5)^2 x 50) = .2016 / 12.5 = .016128,
      SE = .12700, 95% CI = .40 -+ 1.96 x .12700 = (.151, .649)
      (statsmodels.stats.inter_rater.cohens_kappa([[20, 10], [5, 15]]): kappa_low 0.15109,
      kappa_upp 0.64891)
    - Wilson 95% intervals, (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n):
      precision 20/25 -> (0.6087, 0.9114), recall 20/30 -> (0.4878, 0.8077)
      (R: prop.test(20, 25, correct = FALSE)$conf.int = 0.6086905 0.9113942;
      prop.test(20, 30, correct = FALSE)$conf.int = 0.4878005 0.8076950)
    """
    row = _agreement(_table(tp=20, fp=5, fn=10, tn=15))["apologized"]
    assert (row["kind"], row["n_calls"], row["agreeing"]) == ("flag", 50, 35)
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (20, 5, 10, 15)
    assert row["agreement"] == pytest.approx(0.70)
    assert row["kappa"] == pytest.approx(0.40)
    assert (row["kappa_low"], row["kappa_high"]) == pytest.approx((0.151092, 0.648908), abs=1e-6)
    assert row["precision"] == pytest.approx(0.80)
    assert (row["precision_low"], row["precision_high"]) == pytest.approx((0.6086905, 0.9113942), abs=1e-7)
    assert row["recall"] == pytest.approx(20 / 30)
    assert (row["recall_low"], row["recall_high"]) == pytest.approx((0.4878005, 0.8076950), abs=1e-7)


def test_options_offered_is_compared_as_exact_counts():
    """10 calls, QA count by detected count: (0,0) x3, (1,1) x2, (2,2) x1, QA 1 / detected 0 x2,
    QA 2 / detected 1 x2. Exact agreement 6/10 = 0.60. QA gave 0, 1, 2 on .3, .4, .3 of the calls,
    detection on .5, .4, .1: p_e = .15 + .16 + .03 = .34, kappa = (.60 - .34) / (1 - .34) = 0.394
    (statsmodels' cohens_kappa of the 3 x 3 table: 0.39394, 95% CI -0.0355 to 0.8234). Precision
    and recall are for true/false practices only."""
    pairs = ([("options_offered", 0, 0)] * 3 + [("options_offered", 1, 1)] * 2 + [("options_offered", 2, 2)]
             + [("options_offered", 1, 0)] * 2 + [("options_offered", 2, 1)] * 2)
    row = _agreement(pairs)["options_offered"]
    assert (row["kind"], row["n_calls"], row["agreeing"]) == ("count", 10, 6)
    assert row["agreement"] == pytest.approx(0.60)
    assert row["kappa"] == pytest.approx(0.26 / 0.66)
    assert (row["kappa_low"], row["kappa_high"]) == pytest.approx((-0.0355268, 0.8234055), abs=1e-6)
    assert all(row[c] is None or np.isnan(row[c]) for c in ("tp", "precision", "recall"))


def test_the_view_and_the_python_scores_agree_on_random_tables():
    """One implementation checked against the other: the SQL view and accuracy.binary_scores /
    category_scores (statsmodels) on 30 seeded random tables, small and lopsided ones included,
    each as its own practice of one call_practice_sources table."""
    draw = random.Random(17)
    tables, pairs = {}, []
    for i in range(30):
        n = draw.choice((3, 8, 40, 400))
        rate, hit = draw.random(), draw.random()
        qa = [int(draw.random() < rate) for _ in range(n)]
        det = [q if draw.random() < hit else 1 - q for q in qa]
        counts = [draw.choice((0, 1, 1, 2, 3)) for _ in range(n)]
        seen = [c if draw.random() < hit else draw.choice((0, 1, 2)) for c in counts]
        tables[i] = (qa, det, counts, seen)
        pairs += [(f"flag{i}", q, d) for q, d in zip(qa, det)] + [(f"count{i}", q, d) for q, d in zip(counts, seen)]
    rows = _agreement(pairs, flags=tuple(f"flag{i}" for i in tables))
    for i, (qa, det, counts, seen) in tables.items():
        flag, want = rows[f"flag{i}"], binary_scores(np.array(qa, bool), np.array(det, bool))
        assert flag["kind"] == "flag"
        for name in ("n", "tp", "fp", "fn", "tn"):
            assert flag["n_calls" if name == "n" else name] == want[name]
        for name in ("agreement", "kappa", "kappa_low", "kappa_high", "precision", "precision_low",
                     "precision_high", "recall", "recall_low", "recall_high"):
            assert _same(flag[name], want[name]), (name, flag[name], want[name], qa, det)
        count, want = rows[f"count{i}"], category_scores(counts, seen)
        assert count["kind"] == "count"
        for name in ("agreement", "kappa", "kappa_low", "kappa_high"):
            assert _same(count[name], want[name]), (name, count[name], want[name], counts, seen)


def _same(a, b) -> bool:
    missing = lambda v: v is None or (isinstance(v, float) and np.isnan(v))
    return (missing(a) and missing(b)) or (not missing(a) and not missing(b) and a == pytest.approx(b, abs=1e-9))


def test_no_kappa_when_chance_alone_agrees_and_no_precision_without_a_detection():
    """QA and detection both said 'no' on every call: agreement 100%, but kappa is undefined
    (p_e = 1), and precision has no calls detection marked (0 / 0); recall likewise."""
    row = _agreement(_table(tp=0, fp=0, fn=0, tn=12))["apologized"]
    assert row["agreement"] == 1.0 and row["n_calls"] == 12
    assert all(row[c] is None or np.isnan(row[c]) for c in ("kappa", "kappa_low", "precision", "recall"))


def test_a_practice_with_no_call_scored_by_both_has_no_row():
    """Only calls with both a QA and a detected value are compared."""
    con_rows = _agreement([("apologized", 1, 1), ("apologized", 0, 0)])
    assert set(con_rows) == {"apologized"}
    assert _agreement([]) == {}


def test_the_same_calls_in_any_order_give_the_same_numbers_to_the_last_bit(tmp_path):
    """The Spark engine hands the mart its calls from the lake's Parquet files, read by several
    threads in whatever order they finish (a CI run at e8f7d0c found one row differing from the
    DuckDB engine's in its last bits): every figure must be exactly the same for every order and
    every number of threads, so that the two engines store identical tables (EXCEPT ALL).
    The sums before the fix gave 3 different results in 15 runs of this shape."""
    draw = random.Random(5)
    flags = tuple(f"flag{i}" for i in range(10))
    pairs = []
    for flag in flags:
        rate = draw.random()
        pairs += [(flag, int(draw.random() < rate), int(draw.random() < 0.5)) for _ in range(20_000)]
    pairs += [("options_offered", draw.choice((0, 1, 2, 3)), draw.choice((0, 1, 2, 3))) for _ in range(20_000)]
    draw.shuffle(pairs)
    frame = pd.DataFrame(pairs, columns=["practice", "qa_value", "detected_value"])
    for part in range(8):
        frame.iloc[part::8].to_parquet(tmp_path / f"part{part}.parquet")
    seen = set()
    for run in range(12):
        con = duckdb.connect()
        con.execute(f"SET threads = {1 + run % 4}")
        con.execute(f"CREATE VIEW call_practice_sources AS SELECT * FROM read_parquet('{tmp_path}/*.parquet')")
        con.execute(f"CREATE MACRO practice_names() AS {list(flags)!r}")
        rows = con.execute(load_sql("marts/transcript_agreement") + " ORDER BY practice").fetchall()
        seen.add(repr(rows))
        con.close()
    assert len(rows) == 11 and len(seen) == 1
