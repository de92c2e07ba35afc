"""The agreement maths of calmline.transcripts.accuracy, checked against hand calculations."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from calmline.transcripts.accuracy import binary_scores, category_scores, score


def test_cohens_kappa_matches_the_textbook_example():
    """Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, reader A and B both say
    yes to 20, A yes / B no 5, A no / B yes 10, both no 15. p_o = 35/50 = 0.70; p_yes = 0.5 *
    0.6 = 0.30, p_no = 0.5 * 0.4 = 0.20, p_e = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40."""
    reference = [True] * 25 + [False] * 25
    detected = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    s = binary_scores(reference, detected)
    assert (s["tp"], s["fn"], s["fp"], s["tn"]) == (20, 5, 10, 15)
    assert s["agreement"] == pytest.approx(0.70)
    assert s["kappa"] == pytest.approx(0.40)
    assert s["kappa_low"] < 0.40 < s["kappa_high"]


def test_precision_recall_f1_by_hand():
    """tp = 3, fp = 1, fn = 2, tn = 4: precision 3/4, recall 3/5, F1 = 6 / (6 + 1 + 2) = 2/3;
    p_o = 7/10, p_e = (5/10)(4/10) + (5/10)(6/10) = 0.5, kappa = 0.2 / 0.5 = 0.4."""
    reference = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    detected = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    s = binary_scores(reference, detected)
    assert s["precision"] == pytest.approx(0.75)
    assert s["recall"] == pytest.approx(0.6)
    assert s["f1"] == pytest.approx(2 / 3)
    assert s["kappa"] == pytest.approx(0.4)
    # Wilson 95% interval for 3 of 4 (Wilson 1927): 0.301 to 0.954.
    assert (s["precision_low"], s["precision_high"]) == pytest.approx((0.3006, 0.9544), abs=1e-3)


def test_perfect_agreement_and_no_positives():
    s = binary_scores([True, False, True], [True, False, True])
    assert (s["f1"], s["kappa"], s["agreement"]) == (1.0, 1.0, 1.0)
    none = binary_scores([False, False], [False, False])
    assert math.isnan(none["precision"]) and math.isnan(none["f1"])


def test_category_kappa_by_hand():
    """3 x 3 table, rows reference, columns detected, order (none, paraphrase, verbatim):
    [[4, 1, 0], [0, 2, 1], [0, 0, 2]]. p_o = 8/10; row totals (5, 3, 2), column totals (4, 3, 3),
    p_e = (5*4 + 3*3 + 2*3) / 100 = 0.35; kappa = (0.8 - 0.35) / 0.65 = 0.6923."""
    reference = ["none"] * 5 + ["paraphrase"] * 3 + ["verbatim"] * 2
    detected = ["none"] * 4 + ["paraphrase"] + ["paraphrase"] * 2 + ["verbatim"] + ["verbatim"] * 2
    s = category_scores(reference, detected)
    assert s["agreement"] == pytest.approx(0.8)
    assert s["kappa"] == pytest.approx(0.45 / 0.65)


def test_score_gives_one_tidy_row_per_practice_for_the_calls_both_hold():
    reference = pd.DataFrame({"call_id": ["a", "b", "c"], "apologized": [True, False, True],
                              "verify_mode": ["none", "verbatim", "paraphrase"]})
    detected = pd.DataFrame({"call_id": ["c", "b", "a", "z"], "apologized": [True, True, True, False],
                             "verify_mode": ["paraphrase", "verbatim", "none", "none"]})
    out = score(reference, detected).set_index("practice")
    assert list(out.index) == ["apologized", "verify_mode"]
    assert out.loc["apologized", ["n", "tp", "fp"]].tolist() == [3, 2, 1]
    assert out.loc["verify_mode", "agreement"] == 1.0
