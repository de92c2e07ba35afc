"""km_curves against lifelines and a hand-worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_rossi

from calmline.analysis.kaplan_meier import COLUMNS, km_curves


def hand_made() -> pd.DataFrame:
    """Five calls: churn on days 1, 2 and 3; still customers on days 2 and 5."""
    return pd.DataFrame({"time_days": [1, 2, 2, 3, 5], "event": [1, 0, 1, 1, 0],
                         "apologized": [1, 1, 1, 1, 1]})


def test_hand_made_counts_and_survival():
    """By hand: at risk at the start of day d is #{time >= d}; survival multiplies
    (1 - churns / at risk) over churn days up to d: 4/5, then x 3/4, then x 1/2."""
    out = km_curves(hand_made(), ["apologized"], horizon_days=6)
    assert list(out.columns) == COLUMNS
    assert (out["group"] == "with").all()  # no call without: no rows for it
    assert out["day"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert out["at_risk"].tolist() == [5, 5, 4, 2, 1, 1, 0]
    assert out["events"].tolist() == [0, 1, 2, 3, 3, 3, 3]
    np.testing.assert_allclose(out["survival"], [1, 0.8, 0.6, 0.3, 0.3, 0.3, 0.3])


def test_rossi_matches_lifelines():
    """lifelines 0.30.3 ``KaplanMeierFitter().fit(week, arrest)`` for those with and
    without financial aid: survival and its 95% interval (lifelines' exponential
    Greenwood, the log(-log) interval), read at weeks 0, 8, 20, 35, 52 and 60."""
    rossi = load_rossi()
    days = [0, 8, 20, 35, 52, 60]
    out = km_curves(rossi, ["fin"], time="week", event="arrest", horizon_days=60, step_days=1)
    for label, value in (("with", 1), ("without", 0)):
        part = rossi[rossi.fin == value]
        ref = KaplanMeierFitter().fit(part.week, part.arrest)
        mine = out[out.group == label].set_index("day").loc[days]
        np.testing.assert_allclose(mine["survival"], ref.survival_function_at_times(days), atol=1e-8)
        ci = ref.confidence_interval_survival_function_
        ci = ci.reindex(ci.index.union(days)).ffill().loc[days]
        np.testing.assert_allclose(mine["ci_low"].astype(float), ci.iloc[:, 0], atol=1e-8)
        np.testing.assert_allclose(mine["ci_high"].astype(float), ci.iloc[:, 1], atol=1e-8)


def test_curves_start_at_one_and_never_rise():
    rossi = load_rossi()
    out = km_curves(rossi, ["fin", "wexp", "paro"], time="week", event="arrest", horizon_days=80)
    assert len(out) == 3 * 2 * 81
    for _, curve in out.groupby(["practice", "group"]):
        assert curve["survival"].iloc[0] == 1
        assert (np.diff(curve["survival"]) <= 0).all()
        assert (np.diff(curve["events"]) >= 0).all() and (np.diff(curve["at_risk"]) <= 0).all()
        assert (curve["ci_low"] <= curve["survival"]).all() and (curve["survival"] <= curve["ci_high"]).all()


def test_everyone_churns_missing_practice_and_steps():
    df = pd.DataFrame({"time_days": [1, 2, 3, 4], "event": [1, 1, 1, 1],
                       "apologized": [0, 0, 1, None]})
    out = km_curves(df, ["apologized"], horizon_days=4, step_days=2)
    assert out["day"].tolist() == [0, 2, 4, 0, 2, 4]
    without = out[out.group == "without"]
    assert without["survival"].tolist() == [1.0, 0.0, 0.0]
    assert without["ci_low"].isna().tolist() == [False, True, True]  # undefined at 0, not NaN
    assert out[out.group == "with"]["at_risk"].tolist() == [1, 1, 0]


def test_no_calls_gives_no_rows_and_mistakes_raise():
    empty = km_curves(hand_made().iloc[:0], ["apologized"])
    assert empty.empty and list(empty.columns) == COLUMNS
    with pytest.raises(ValueError, match="0 or 1"):
        km_curves(hand_made().assign(apologized=2), ["apologized"])


def test_a_group_without_churn_stays_at_one():
    """Every call without the practice was censored (no churn): that curve is 1 throughout, with
    its interval 1 to 1, while the other group's still steps down."""
    df = pd.DataFrame({"time_days": [1, 2, 3, 4, 5, 6], "event": [1, 0, 1, 0, 0, 0],
                       "apologized": [1, 1, 1, 0, 0, 0]})
    out = km_curves(df, ["apologized"], horizon_days=6)
    without = out[out.group == "without"]
    assert (without["survival"] == 1).all() and (without["events"] == 0).all()
    assert (without["ci_low"].astype(float) == 1).all() and (without["ci_high"].astype(float) == 1).all()
    assert without["at_risk"].tolist() == [3, 3, 3, 3, 3, 2, 1]
    np.testing.assert_allclose(out[out.group == "with"]["survival"], [1, 2 / 3, 2 / 3, 0, 0, 0, 0])
