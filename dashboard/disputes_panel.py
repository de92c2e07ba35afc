"""Practice impact's panel "The playbooks disagree: what your data says", in plain words.

One card per disputed point of :data:`calmline.vocabulary.DISPUTES`: the claim, who makes it and
the counter-advice, then the stored headline estimate (``dispute_effects.headline``: AIPW, else
the logit) with its unit, n and 95% interval, and whether the data settle the point. Reads the
stored rows only (``run_disputes``); the saved query ``disputed_points`` returns the same rows.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.formats import count, is_missing

TITLE = "The playbooks disagree: what your data says"

NO_TRANSCRIPTS = (
    "The disputed points are measured from what was said on the call, so they need transcripts. Put a "
    "transcripts/ folder (JSON Lines, CSV or Parquet, or Amazon Transcribe files) or a transcripts.jsonl, "
    ".csv or .parquet file in the source folder, load it with `calmline etl --source FOLDER`, then run "
    "`calmline fit` (README: Transcripts). `calmline detect --transcripts PATH` shows what would be "
    "detected first.")
"""What the panel says when the run has no disputed points."""

METHOD_WORDS = {"aipw": "AIPW (doubly robust)", "logit": "logit average marginal effect",
                "naive": "unadjusted difference"}


def _amount(value: float) -> str:
    """A difference in points as words: -2.14 -> "2.1 points less", 0.31 -> "0.3 points more",
    0.04 -> "0.0 points"."""
    size = abs(round(float(value), 1))
    if size == 0:
        return "0.0 points"
    return f"{size:.1f} point{'' if size == 1 else 's'} {'less' if value < 0 else 'more'}"


def interval_words(low: float, high: float) -> str:
    """A 95% interval in points as words: (-3.8, -0.4) -> "95% CI 0.4 to 3.8 points less";
    (-1.2, 0.8) -> "95% CI 1.2 points less to 0.8 points more"."""
    if low < 0 < high:
        return f"95% CI {_amount(low)} to {_amount(high)}"
    near, far = sorted((low, high), key=abs)
    side = "less" if (near + far) < 0 else "more"
    return f"95% CI {abs(round(near, 1)):.1f} to {abs(round(far, 1)):.1f} points {side}"


def settles(low, high) -> bool:
    """The interval excludes no difference."""
    return not (is_missing(low) or is_missing(high)) and (float(high) < 0 or float(low) > 0)


def reading(row, horizon_days: int) -> str:
    """One point's headline estimate in plain words, with unit, n and interval.

    Parameters
    ----------
    row : mapping
        A headline row of ``dispute_effects``.
    horizon_days : int
        The run's horizon.

    Returns
    -------
    str
        E.g. "Apologised in the first quarter of the call (301 calls) went with 2.1 points less
        churn within 90 days than apologised later (511 calls), among 812 upset calls compared
        from 50 agents (95% CI 0.4 to 3.8 points less; AIPW (doubly robust)). The interval excludes
        no difference: ..."; when it includes 0, that the data do not settle the point. Without
        an estimate, why not.
    """
    compared = (f"{count(row['n_calls'])} upset call{'' if row['n_calls'] == 1 else 's'} compared"
                + ("" if is_missing(row.get("n_agents")) else f" from {count(row['n_agents'])} agents"))
    if is_missing(row["estimate_pp"]):
        return (f"Not estimated ({compared}: {count(row['n_treated'])} {row['treated_label']}, "
                f"{count(row['n_control'])} {row['control_label']}): {row['note'] or 'not estimable'}.")
    estimate, low, high = (float(row[c]) for c in ("estimate_pp", "ci_low_pp", "ci_high_pp"))
    treated = str(row["treated_label"])
    difference = (f"{_amount(estimate)} {horizon_words(horizon_days)} than" if round(estimate, 1)
                  else f"the same {horizon_words(horizon_days)} (to 0.1 points) as")
    text = (f"{treated[:1].upper() + treated[1:]} ({count(row['n_treated'])} calls) went with "
            f"{difference} {row['control_label']} "
            f"({count(row['n_control'])} calls), among {compared} ({interval_words(low, high)}; "
            f"{METHOD_WORDS.get(row['method'], row['method'])}).")
    if settles(low, high):
        text += (" The interval excludes no difference: on your calls the first went with "
                 f"{'less' if estimate < 0 else 'more'} churn, adjusted for the call's situation and the "
                 "agent's other practices.")
    else:
        text += " The interval includes no difference, so your data do not settle this point."
    return text


def _claim(row) -> list:
    parts = [html.B(row["label"]), ": ", html.Q(row["claim"]), f" ({row['playbooks']})"]
    if not is_missing(row.get("counter")) and str(row["counter"]).strip():
        parts += [html.Br(), html.Span(["Against it: ", row["counter"]], className="text-muted")]
    return parts


def panel(points: pd.DataFrame | None, horizon_days: int, card_id: str = "impact-dispute") -> list:
    """The panel's words: an introduction, then one card per point (or why there are none).

    Parameters
    ----------
    points : DataFrame
        Rows of ``dispute_effects`` of one run (``run_disputes``); empty when no transcripts were
        loaded or before a fit.
    horizon_days : int
        The run's horizon.
    card_id : str
        Prefix of each card's id (followed by ``-<dispute>``).

    Returns
    -------
    list of Dash components
    """
    head = [html.H5(TITLE, className="mb-1")]
    if points is None or points.empty or "headline" not in points.columns:
        return head + [html.P(NO_TRANSCRIPTS, className="small mb-0", id=f"{card_id}-none")]
    head.append(html.P(
        "Each point compares calls that did the same practice two ways, adjusted like the practices above "
        "(the call's situation and the agent's other practices; 95% intervals clustered by agent). "
        f"Estimates are percentage points of {horizon_words(horizon_days)}: -2 means 2 fewer customers "
        "lost per 100 calls on the claim's side.", className="small mb-2"))
    shown = points[points["headline"].astype("boolean").fillna(False).astype(bool)]
    shown = shown.sort_values("position", kind="stable") if "position" in shown.columns else shown
    cards = []
    for _, row in shown.iterrows():
        note = row.get("note")
        cards.append(html.Div([
            html.Div(_claim(row), className="mb-1"),
            html.Div(reading(row, horizon_days), className="small"),
            html.Div(note, className="small text-muted")
            if not is_missing(note) and not is_missing(row["estimate_pp"]) else None,
        ], className="border-start border-3 ps-2 mb-3", id=f"{card_id}-{row['dispute']}"))
    return head + cards
