"""km_curves from per-time counts over one sort of every call's times: the same curves as
statsmodels' ``SurvfuncRight`` run on each group's own calls (the path it replaced)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from calmline.analysis.kaplan_meier import km_curves


def calls(seed: int = 3, n: int = 4_000) -> pd.DataFrame:
    """Day-valued times with many ties, a few fractional ones, missing values in a practice and
    in the time, a group without churn and one where every call churns at once."""
    rng = np.random.default_rng(seed)
    time = rng.integers(0, 120, n).astype(float)
    time[:50] += 0.5
    event = (rng.random(n) < 0.3).astype(float)
    frame = pd.DataFrame({"time_days": time, "event": event,
                          "apologized": rng.integers(0, 2, n).astype(float),
                          "rare": (rng.random(n) < 0.01).astype(float)})
    frame.loc[rng.choice(n, 40, replace=False), "apologized"] = np.nan
    frame.loc[rng.choice(n, 15, replace=False), "time_days"] = np.nan
    frame.loc[frame["rare"] == 1, "event"] = 0.0  # no churn with 'rare'
    frame["all_churn"] = 0.0
    frame.loc[:4, ["all_churn", "event", "time_days"]] = [1.0, 1.0, 7.0]  # five calls, all churn on day 7
    return frame


def reference(frame: pd.DataFrame, practice: str, value: float, days: np.ndarray) -> pd.DataFrame:
    """One group's curve the old way: SurvfuncRight on the group's own times, read at days."""
    data = frame[["time_days", "event", practice]].dropna()
    part = data[data[practice] == value]
    t, e = part["time_days"].to_numpy(), part["event"].to_numpy()
    fit = SurvfuncRight(t, e)
    times, surv = np.asarray(fit.surv_times, float), np.asarray(fit.surv_prob, float)
    se = np.asarray(fit.surv_prob_se, float)
    last = np.searchsorted(times, days, side="right") - 1
    seen = last >= 0
    s = np.where(seen, surv[last] if len(times) else 1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(seen, ((se / surv) ** 2)[last] if len(times) else 0.0, 0.0)
        log_s = np.log(s)
        spread = stats.norm.ppf(0.975) * np.sqrt(var) / log_s
        low = np.where((s > 0) & (s < 1), np.exp(-np.exp(np.log(-log_s) - spread)), s)
    events = np.where(seen, np.cumsum(np.asarray(fit.n_events, float))[last] if len(times) else 0, 0)
    return pd.DataFrame({"day": days, "survival": s, "ci_low": low,
                         "at_risk": len(t) - np.searchsorted(np.sort(t), days, side="left"),
                         "events": events})


def test_counts_give_survfunc_rights_curves():
    frame = calls()
    days = np.arange(0, 131)
    out = km_curves(frame, ["apologized", "rare", "all_churn"], horizon_days=130)
    for practice in ("apologized", "rare", "all_churn"):
        for label, value in (("with", 1.0), ("without", 0.0)):
            mine = out[(out["practice"] == practice) & (out["group"] == label)].reset_index(drop=True)
            ref = reference(frame, practice, value, days)
            np.testing.assert_allclose(mine["survival"], ref["survival"], rtol=1e-12, atol=0)
            np.testing.assert_allclose(mine["ci_low"].astype(float).fillna(0.0), np.nan_to_num(ref["ci_low"]),
                                       rtol=1e-10, atol=0)
            assert mine["at_risk"].tolist() == ref["at_risk"].tolist()
            assert mine["events"].tolist() == ref["events"].astype(int).tolist()


def test_group_without_churn_stays_at_one_and_all_churned_reaches_zero():
    out = km_curves(calls(), ["rare", "all_churn"], horizon_days=30)
    rare = out[(out["practice"] == "rare") & (out["group"] == "with")]
    assert (rare["survival"] == 1).all() and (rare["events"] == 0).all()
    gone = out[(out["practice"] == "all_churn") & (out["group"] == "with")].set_index("day")
    assert gone.loc[6, "survival"] == 1 and gone.loc[7, "survival"] == 0
    assert gone.loc[7, "at_risk"] == 5 and gone.loc[8, "at_risk"] == 0
    assert pd.isna(gone.loc[7, "ci_low"])  # no interval once survival is 0
