"""Each practice's headline effect on churn, as the Practice impact page and its report put it.

The headline is the estimate the forest plot sorts by and the sensitivity panel checks: AIPW
(doubly robust) else the logit average marginal effect, of the total effect; for a practice that
happens after the call (the follow-up), its estimate at the landmark. Formatted with
:mod:`calmline.dashboard.formats`: signed percentage points, the 95% interval in points, n in
upset calls.
"""

from __future__ import annotations

import pandas as pd
from calmline.dashboard import formats
from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.figures.style import format_q, practice_label, warning_text

ORDER = (("aipw", "total"), ("logit", "total"), ("aipw", "landmark"), ("logit", "landmark"))
"""(method, effect) in the order the headline is taken: the first with an estimate."""
METHOD_WORDS = {"aipw": "AIPW (doubly robust)", "logit": "logit average marginal effect"}


def headline_effects(effects: pd.DataFrame) -> pd.DataFrame:
    """One row per practice: its headline risk difference (probability units) with interval and n.

    Parameters
    ----------
    effects : DataFrame
        Rows of ``practice_effects`` of one run (``run_practice_effects``).

    Returns
    -------
    DataFrame
        practice, method, effect, estimate, ci_low, ci_high, q_value, n_with, n_without, warning;
        most protective first, practices without any estimate last (method missing, warning why).
    """
    columns = ["practice", "method", "effect", "estimate", "ci_low", "ci_high", "q_value", "n_with",
               "n_without", "warning"]
    if effects is None or effects.empty or "practice" not in effects.columns:
        return pd.DataFrame(columns=columns)
    rows = effects[effects["scale"] == "risk_difference"] if "scale" in effects.columns else effects
    rows = rows.reindex(columns=list(dict.fromkeys([*rows.columns, *columns])))
    out = []
    for practice in dict.fromkeys(rows["practice"]):
        mine = rows[rows["practice"] == practice]
        chosen = None
        for method, effect in ORDER:
            match = mine[(mine["method"] == method) & (mine["effect"] == effect)]
            if len(match) and pd.notna(match["estimate"].iloc[0]):
                chosen = match.iloc[0]
                break
        if chosen is None:
            main = mine[mine["method"].isin(["aipw", "logit"])]
            reason = next((warning_text(w) for w in main["warning"] if warning_text(w)), "not estimable")
            out.append({"practice": practice, "warning": reason})
        else:
            out.append({c: chosen[c] for c in columns})
    frame = pd.DataFrame(out, columns=columns)
    return frame.assign(_none=frame["estimate"].isna(), _label=frame["practice"].map(practice_label)).sort_values(
        ["_none", "estimate", "_label"]).drop(columns=["_none", "_label"]).reset_index(drop=True)


def headline_table(effects: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """:func:`headline_effects` as people read it: the practice's label, the estimate in signed
    points, its 95% interval, n (upset calls with and without the practice), the method and the
    q-value; a practice without an estimate says why."""
    head = headline_effects(effects)
    if head.empty:
        return pd.DataFrame()
    landmark = head["effect"] == "landmark"
    return pd.DataFrame({
        "Practice": [practice_label(p) + (" (at the landmark)" if lm else "")
                     for p, lm in zip(head["practice"], landmark)],
        f"Change in {horizon_words(horizon_days)} (points of % of upset calls)": [
            formats.points(v) if not formats.is_missing(v) else f"not estimable: {w}"
            for v, w in zip(head["estimate"], head["warning"])],
        "95% CI": [formats.interval_points(lo, hi) or formats.MISSING
                   for lo, hi in zip(head["ci_low"], head["ci_high"])],
        "n (upset calls with / without)": [
            formats.MISSING if formats.is_missing(w) else f"{formats.count(w)} / {formats.count(wo)}"
            for w, wo in zip(head["n_with"], head["n_without"])],
        "Method": [METHOD_WORDS.get(m, formats.MISSING) for m in head["method"]],
        "q-value": [format_q(q) for q in head["q_value"]],
    })
