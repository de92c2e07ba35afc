"""Ground truth: the planted effect of each practice on churn, as risk differences.

For practice p and horizon h (``vocabulary.HORIZONS``: 30, 90, 180 days) the planted
effect is

    RD_p(h) = mean over factual upset calls c with day_c + h <= as_of of
              Y_c(on) - Y_c(off)

where Y_c(x) = 1 when the customer's churned_at <= date(started_at_c) + h in the
world where p is set to x on EVERY upset call of every customer, everything
else as drawn (common random numbers): other practices keep their values,
call outcomes (transfers, resolved, csat) respond, churn and breaks are solved
again. This is a policy effect: it includes the customer's other upset calls
in the window, not only call c.

``call_level_risk_difference`` is the narrower per-call quantity: only call c's
practice switches, every other call keeps its factual trigger. A model of
churn-within-h on one call's practices targets this one.

How a forced practice is done: the call's pre-drawn variants (``World.variants``: apology
timing, "but" after an acknowledgement, verbatim or paraphrased verification, a hand-off when
ownership is off), the same in every world whatever is forced (tests/synth/
test_synth_variant_truth.py). The variants follow anger and channel only, so given those
adopters and non-adopters of a practice would do it alike: a per-call model adjusted for
anger and channel targets this quantity, the practice as the centre does it on such calls.

The naive risk difference compares factual churn by h between window calls
with and without the practice, with no adjustment.

``followup_promised`` also gets ``total_risk_difference`` and
``call_level_total_risk_difference``: the same two quantities when forcing the promise
also moves the follow-ups that depend on it (same uniforms, the follow-up model of
:mod:`calmline.synth.followups`). The world's forces hold follow-ups as drawn
(``risk_difference`` is the promise's effect not through the follow-up); a model that
never adjusts for what happens after the call targets the total.

``compensated`` also gets a ``dose_response``: the same two risk differences over
the window calls whose pre-drawn amount (the one "on" grants) falls in each band of
amount / max(monthly_value, 10).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .calls import logistic
from .churn import ChurnResult
from .population import NEVER
from .streams import stream
from .variants import SWITCHES
from .world import (CallState, World, churn_of, upset_logit, upset_practices, upset_sides,
                    with_force, with_variant)

CONFOUNDING = (
    "Angrier customers (outages, cancellations, long waits, basic plan, new customers) get more "
    "apologies, empathy and room to vent, and anger itself raises churn; so the raw comparison "
    "makes apologizing look harmful or useless. Separately, a latent agent skill raises every "
    "practice at once (practices are strongly correlated) but has no effect of its own on "
    "resolution or churn; practices that are not adjusted for each other borrow each other's "
    "effects. took_ownership and offered_options also act through resolution (and "
    "took_ownership through fewer transfers). Plan, monthly_value, region, tenure and month shift "
    "baseline churn and anger; all are observed. thanked has exactly zero effect on churn and "
    "resolution (it does raise csat). Goodwill credits (compensated) go more often to angrier, "
    "premium and higher-value customers and come from skilled agents along with the other "
    "practices; anger, plan and monthly_value also move churn. Anger pushes the raw comparison "
    "towards harm, the practices that come with a credit towards benefit."
)

CLEAN_REASON = (
    "No unobserved confounding: every common cause of the practice and churn is observed (anger, "
    "issue, channel, wait, plan, monthly_value, region, tenure, month, the agent's break); skill and "
    "the per-call effort shock act only through the practices, so adjusting for pre-call covariates "
    "and the other practices blocks them (adjust for resolved/transfers only for a direct effect). "
    "Note the estimand: a model of one call's practices targets call_level_risk_difference; "
    "risk_difference (every upset call handled that way) is larger because the customer's other "
    "upset calls in the window change too."
)

MEDIATORS = {"took_ownership": ["transfers", "resolved"], "offered_options": ["resolved"]}


def ground_truth(world: World, base_state: CallState, base: ChurnResult) -> dict:
    """Compute the planted effects for every practice.

    Parameters
    ----------
    world : World
        The draws.
    base_state : CallState
        The world as written (factual, or with the caller's force applied).
    base : ChurnResult
        Its churn.

    Returns
    -------
    dict
        ``{"horizons": {...}, "practices": {...}}`` ready for ground_truth.json.
    """
    horizons = vocabulary.HORIZONS
    up = world.upset
    n_days = world.period.n_days
    cust_day = base.churn_day[up.customer]
    happened = up.day < cust_day
    windows = {h: happened & (up.day + h <= n_days) for h in horizons}
    y_base = {h: cust_day <= up.day + h for h in horizons}
    other = _earliest_other_trigger(world, base)
    factual = upset_practices(world, base_state)

    practices = {}
    for name in vocabulary.practice_names():
        days = {}
        etas = {}
        for value in (True, False):
            state = with_force(world, base_state, name, value)
            etas[value] = upset_logit(world, state)
            days[value] = churn_of(world, state).churn_day[up.customer]
        call_days = {v: _call_level_day(world, base, etas[v], other) for v in (True, False)}
        entry = {
            "log_odds_coefficient": fx.TRIGGER_PRACTICE[name],
            "adoption_upset": _mean(factual[name][windows[vocabulary.HEADLINE_HORIZON]]),
            "risk_difference": {},
            "naive_risk_difference": {},
            "call_level_risk_difference": {},
            "mediated_through": MEDIATORS.get(name, []),
            "clean_ground_truth": True,
            "clean_ground_truth_reason": CLEAN_REASON,
        }
        for h in horizons:
            w = windows[h]
            end = up.day[w] + h
            entry["risk_difference"][f"{h}d"] = (
                _mean(days[True][w] <= end) - _mean(days[False][w] <= end))
            entry["call_level_risk_difference"][f"{h}d"] = (
                _mean(call_days[True][w] <= end) - _mean(call_days[False][w] <= end))
            on = factual[name][w]
            yb = y_base[h][w]
            entry["naive_risk_difference"][f"{h}d"] = _mean(yb[on]) - _mean(yb[~on])
        if name == PROMISE:
            entry.update(_promise_total(world, base_state, base, windows, other))
        if name == "compensated":
            entry["dose_response"] = _dose_response(world, windows, days, call_days,
                                                    factual[name])
        practices[name] = entry
    summary = {f"{h}d": {"n_upset_calls_in_window": int(windows[h].sum()),
                         "factual_churn_rate": _mean(y_base[h][windows[h]])} for h in horizons}
    return {"horizons": summary, "practices": practices,
            "disputes": _disputes(world, base_state, base, windows, y_base, other)}


def _disputes(world: World, base_state: CallState, base: ChurnResult, windows: dict,
              y_base: dict, other: np.ndarray) -> dict:
    """The planted effect of each disputed point within its group, like the practices'.

    For dispute d (``vocabulary.DISPUTES``) the group is its ``among`` in the world as written;
    ``call_level_risk_difference`` switches only call c to the treated side and then to the
    other (``world.with_variant``; every other call keeps its factual trigger) and averages
    churned-by-h over the group's upset calls in the h-day window; ``risk_difference``
    switches every call of the group at once and solves churn again.
    """
    up = world.upset
    factual = upset_sides(world, base_state)
    headline = windows[vocabulary.HEADLINE_HORIZON]
    out = {}
    for d in vocabulary.DISPUTES:
        among, treated = factual[d.name]
        days, call_days = {}, {}
        for value in (True, False):
            state = with_variant(world, base_state, d.name, value, among)
            switched_among, switched = upset_sides(world, state)[d.name]
            if not (switched_among[among].all() and (switched[among] == value).all()):
                raise RuntimeError(f"forcing {d.name} to {value} did not put its group on that side")
            days[value] = churn_of(world, state).churn_day[up.customer]
            call_days[value] = _call_level_day(world, base, upset_logit(world, state), other)
        switch = SWITCHES[d.name]
        through = switch if switch in vocabulary.practice_names() else None
        contrast = fx.DISPUTE_EFFECT[d.name] - (fx.TRIGGER_PRACTICE[through] if through else 0.0)
        entry = {
            "label": d.label,
            "among": d.among,
            "treated": d.treated,
            "treated_label": d.treated_label,
            "control_label": d.control_label,
            "log_odds_coefficient": fx.DISPUTE_EFFECT[d.name],
            "log_odds_contrast": round(contrast, 6),
            "through_practice": through,
            "mediated_through": MEDIATORS.get(through, []) if through else [],
            "adoption": _mean(treated[among & headline]),
            "n_among_upset_calls_in_window": {f"{h}d": int((among & w).sum())
                                              for h, w in windows.items()},
            "n_treated_upset_calls_in_window": {f"{h}d": int((treated & w).sum())
                                                for h, w in windows.items()},
            "risk_difference": {},
            "call_level_risk_difference": {},
            "naive_risk_difference": {},
        }
        for h in vocabulary.HORIZONS:
            w = windows[h] & among
            end = up.day[w] + h
            entry["risk_difference"][f"{h}d"] = (
                _mean(days[True][w] <= end) - _mean(days[False][w] <= end))
            entry["call_level_risk_difference"][f"{h}d"] = (
                _mean(call_days[True][w] <= end) - _mean(call_days[False][w] <= end))
            on = treated[w]
            yb = y_base[h][w]
            entry["naive_risk_difference"][f"{h}d"] = _mean(yb[on]) - _mean(yb[~on])
        out[d.name] = entry
    return out


PROMISE = "followup_promised"
"""The practice follow-ups depend on (``effects.FOLLOWUP_HAPPEN``)."""


def _followup_uniforms(world: World) -> np.ndarray | None:
    """The uniforms behind each potential call's follow-up decision, re-drawn from the
    ``"followups"`` stream exactly as :func:`calmline.synth.followups.draw_followups` draws
    them; None if they no longer reproduce the world's decisions."""
    u = stream(world.seed, "followups").random(world.n_calls, dtype=np.float32)
    if not np.array_equal(_followup_happens(world, u, world.practices[PROMISE]), world.followups.happens):
        return None
    return u


def _followup_happens(world: World, u: np.ndarray, promised: np.ndarray) -> np.ndarray:
    a, b_promised, b_skill = fx.FOLLOWUP_HAPPEN
    return u < logistic(a + b_promised * promised + b_skill * world.agents.skill[world.agent])


def _promise_total(world: World, base_state: CallState, base: ChurnResult, windows: dict,
                   other: np.ndarray) -> dict:
    """The promise's policy and call-level risk differences with follow-ups responding to it."""
    up = world.upset
    u = _followup_uniforms(world)
    if u is None or "followed_up" in base_state.force:
        return {}
    days, call_days = {}, {}
    for value in (True, False):
        state = with_force(world, base_state, PROMISE, value)
        promised = np.where(world.upset_mask, value, world.practices[PROMISE])
        state = replace(state, followup_happens=np.where(
            world.upset_mask, _followup_happens(world, u, promised), base_state.followup_happens))
        days[value] = churn_of(world, state).churn_day[up.customer]
        call_days[value] = _call_level_day(world, base, upset_logit(world, state), other)
    out = {"total_risk_difference": {}, "call_level_total_risk_difference": {},
           "total_note": "forcing the promise also moves the follow-ups that depend on it (same "
                         "uniforms); risk_difference and call_level_risk_difference hold "
                         "follow-ups as drawn"}
    for h, w in windows.items():
        end = up.day[w] + h
        out["total_risk_difference"][f"{h}d"] = _mean(days[True][w] <= end) - _mean(days[False][w] <= end)
        out["call_level_total_risk_difference"][f"{h}d"] = (
            _mean(call_days[True][w] <= end) - _mean(call_days[False][w] <= end))
    return out


def _dose_response(world: World, windows: dict, days: dict, call_days: dict,
                   factual: np.ndarray) -> dict:
    """The compensated effect by band of the pre-drawn amount over its base."""
    idx = world.upset.idx
    draws = world.compensation
    share = draws.potential_cents[idx] / draws.base_cents[idx]
    amounts = draws.potential_cents[idx] / 100
    edges = (0.0, *fx.COMPENSATION_BANDS, np.inf)
    headline = windows[vocabulary.HEADLINE_HORIZON]
    step, slope = fx.TRIGGER_PRACTICE["compensated"], fx.COMPENSATION_DOSE
    bands = []
    for lo, hi in itertools.pairwise(edges):
        band = (share >= lo) & (share < hi)
        row = {
            "share_low": lo,
            "share_high": None if np.isinf(hi) else hi,
            "log_odds_at_low": step + slope * np.log1p(lo),
            "log_odds_at_high": None if np.isinf(hi) else step + slope * np.log1p(hi),
            "n_upset_calls_in_window": int((band & headline).sum()),
            "factually_compensated": int((band & headline & factual).sum()),
            "median_amount": round(_median(amounts[band & headline]), 2),
            "risk_difference": {},
            "call_level_risk_difference": {},
        }
        for h, w in windows.items():
            w = w & band
            end = world.upset.day[w] + h
            row["risk_difference"][f"{h}d"] = (
                _mean(days[True][w] <= end) - _mean(days[False][w] <= end))
            row["call_level_risk_difference"][f"{h}d"] = (
                _mean(call_days[True][w] <= end) - _mean(call_days[False][w] <= end))
        bands.append(row)
    return {
        "amount": "compensation_value, the credit 'on' grants: drawn for every call, "
                  "median half of base, more for angrier customers",
        "base": f"max(monthly_value, {fx.COMPENSATION_BASE_FLOOR:g})",
        "log_odds": f"{step:g} + {slope:g} * log1p(compensation_value / base) when "
                    "compensation_value > 0, else 0",
        "bands_by": "compensation_value / base; a call is in a band by its pre-drawn amount",
        "counts_over_window_days": vocabulary.HEADLINE_HORIZON,
        "bands": bands,
    }


def _earliest_other_trigger(world: World, base: ChurnResult) -> np.ndarray:
    """Per upset call: earliest churn day of its customer from everything except that call."""
    up = world.upset
    if up.n == 0:
        return np.zeros(0, dtype=np.int64)
    trig = base.trigger_day
    order = np.lexsort((trig, up.customer))
    cust = up.customer[order]
    first_pos = np.flatnonzero(np.concatenate([[True], cust[1:] != cust[:-1]]))
    n_cust = world.customers.n
    first = np.full(n_cust, NEVER, dtype=np.int64)
    second = np.full(n_cust, NEVER, dtype=np.int64)
    first_call = np.full(n_cust, -1, dtype=np.int64)
    first[cust[first_pos]] = trig[order][first_pos]
    first_call[cust[first_pos]] = order[first_pos]
    has_second = first_pos + 1 < len(order)
    nxt = np.minimum(first_pos + 1, len(order) - 1)
    same = has_second & (cust[nxt] == cust[first_pos])
    second[cust[first_pos[same]]] = trig[order][nxt[same]]
    is_first = first_call[up.customer] == np.arange(up.n)
    others = np.where(is_first, second[up.customer], first[up.customer])
    return np.minimum(others, world.customers.background_day[up.customer])


def _call_level_day(world: World, base: ChurnResult, eta: np.ndarray, other: np.ndarray
                    ) -> np.ndarray:
    """Churn day when only each call's own trigger follows ``eta`` (breaks as in the base world)."""
    up = world.upset
    p = logistic(eta + fx.TRIGGER_SHORT_BREAK * base.short_break)
    own = np.where(up.u_trigger < p, up.day + up.delay_days, NEVER)
    return np.minimum(other, own)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


def _median(x: np.ndarray) -> float:
    return float(np.median(x)) if len(x) else float("nan")
