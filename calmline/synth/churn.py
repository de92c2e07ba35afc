"""The churn mechanism.

Every customer has a background churn day (population.py). On top of that,
every UPSET call (anger_level >= 3) independently triggers churn with
probability ``logistic(eta)``; a triggered churn lands a uniform 1..90 days
after the call. Calm calls never trigger churn. The customer's ``churned_at``
is the earliest of the background day and all triggered days; calls on or
after it never happen (they are dropped from the output).

``eta`` is additive on the log-odds scale:

    eta = -1.6 + 0.6 * (anger - 3) + issue + channel + 0.10 * log1p(wait_s / 60)
          + plan + 0.04 * monthly_value / 10 + region - 0.30 * log1p(tenure_years)
          + month + sum_p beta_p * practice_p - 1.0 * log1p(compensation / base)
          - 0.70 * resolved + 0.20 * transfers + 0.30 * short_break
          + sum_d gamma_d * treated_d

with the coefficients in effects.py (``beta_thanked`` is exactly 0; the sum runs over
every practice of the vocabulary; ``treated_d`` is the call's side of each disputed point of
``vocabulary.DISPUTES``, ``gamma_d`` in effects.DISPUTE_EFFECT (:mod:`calmline.synth.variants`);
``compensation / base`` is the credit granted on the
call over max(monthly_value, 10), 0 without one).
``short_break`` is 1 when the agent's previous upset call (by started_at,
any channel, among calls that happened) ended less than 10 minutes before
this call started: ``started_at - (prev.started_at + prev.handle_s) < 600 s``.
Agent skill appears nowhere in ``eta``.

Because the previous upset call must have happened, churn and breaks depend on
each other (a churned customer's later calls leave gaps in agents' days). The
solver iterates to the unique fixed point; dependencies only run forward in
time, so it settles in a few rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .calls import PreCall, logistic
from .population import NEVER, Customers


@dataclass
class UpsetCalls:
    """The upset potential calls, in time order, with what the churn solver needs."""

    idx: np.ndarray          # index into all potential calls
    day: np.ndarray          # int32
    customer: np.ndarray     # int32
    pre_logit: np.ndarray    # float64, the pre-call part of eta
    u_trigger: np.ndarray    # float64 uniform
    delay_days: np.ndarray   # int32 1..90
    by_agent: np.ndarray     # permutation: agent, then start time
    agent_sorted: np.ndarray
    start_sorted: np.ndarray
    end_sorted: np.ndarray
    by_customer: np.ndarray  # permutation grouping by customer
    customer_first: np.ndarray
    customer_ids: np.ndarray

    @property
    def n(self) -> int:
        return len(self.idx)


def pre_trigger_logit(pre: PreCall, customers: Customers, customer: np.ndarray,
                      idx: np.ndarray) -> np.ndarray:
    """The pre-call part of eta for the calls ``idx``."""
    c = customer[idx]
    plan = customers.plan[c]
    return (fx.TRIGGER_INTERCEPT
            + fx.TRIGGER_ANGER * (pre.anger[idx] - vocabulary.UPSET_ANGER)
            + np.asarray(fx.TRIGGER_ISSUE)[pre.issue[idx]]
            + np.asarray(fx.TRIGGER_CHANNEL)[pre.channel[idx]]
            + fx.TRIGGER_WAIT * np.log1p(pre.wait_s[idx] / 60.0)
            + np.asarray(fx.TRIGGER_PLAN)[plan]
            + fx.TRIGGER_VALUE * customers.value_cents[c] / 1000.0
            + np.asarray(fx.TRIGGER_REGION)[customers.region[c]]
            + fx.TRIGGER_TENURE * np.log1p(pre.tenure_y[idx])
            + np.asarray(fx.TRIGGER_MONTH)[pre.month[idx]])


def make_upset_calls(rng: np.random.Generator, pre: PreCall, customers: Customers,
                     customer: np.ndarray, day: np.ndarray, agent: np.ndarray,
                     start_abs_s: np.ndarray) -> UpsetCalls:
    """Collect the upset calls and draw their trigger uniforms and delays.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"churn"`` stream.
    pre : PreCall
        Pre-call facts of all potential calls (time order).
    customers : Customers
        The customers.
    customer, day, agent, start_abs_s : numpy.ndarray
        Per potential call (time order); ``start_abs_s`` counts seconds from start.

    Returns
    -------
    UpsetCalls
    """
    idx = np.flatnonzero(pre.anger >= vocabulary.UPSET_ANGER)
    n = len(idx)
    u_trigger = rng.random(n)
    delay = rng.integers(1, fx.TRIGGER_WINDOW_DAYS + 1, n).astype(np.int32)
    a = agent[idx]
    start = start_abs_s[idx]
    by_agent = np.lexsort((start, a))
    c = customer[idx]
    by_customer = np.argsort(c, kind="stable")
    cs = c[by_customer]
    first = np.flatnonzero(np.concatenate([[True], cs[1:] != cs[:-1]])) if n else cs[:0]
    return UpsetCalls(
        idx=idx, day=day[idx], customer=c,
        pre_logit=pre_trigger_logit(pre, customers, customer, idx),
        u_trigger=u_trigger, delay_days=delay,
        by_agent=by_agent, agent_sorted=a[by_agent], start_sorted=start[by_agent],
        end_sorted=(start + pre.handle_s[idx])[by_agent],
        by_customer=by_customer, customer_first=first, customer_ids=cs[first] if n else cs,
    )


def trigger_logit(pre_logit: np.ndarray, practices: dict[str, np.ndarray],
                  compensation_dose: np.ndarray, is_resolved: np.ndarray,
                  n_transfers: np.ndarray) -> np.ndarray:
    """eta without the break term, for upset calls.

    Parameters
    ----------
    pre_logit : numpy.ndarray
        Pre-call part of eta.
    practices : dict of str to numpy.ndarray
        Bool per upset call for every practice of the vocabulary.
    compensation_dose : numpy.ndarray
        ``log1p(compensation / base)`` per upset call, 0 without compensation.
    is_resolved, n_transfers : numpy.ndarray
        Call outcomes.

    Returns
    -------
    numpy.ndarray
    """
    eta = pre_logit.copy()
    for name in vocabulary.practice_names():
        eta += fx.TRIGGER_PRACTICE[name] * practices[name]
    eta += fx.COMPENSATION_DOSE * compensation_dose
    eta += fx.TRIGGER_RESOLVED * is_resolved + fx.TRIGGER_TRANSFER * n_transfers
    return eta


@dataclass
class ChurnResult:
    """Outcome of solving one world's churn."""

    churn_day: np.ndarray     # int32 per customer, or NEVER (not within the horizon)
    short_break: np.ndarray   # bool per upset call
    trigger_day: np.ndarray   # int32 per upset call, NEVER when it did not trigger
    rounds: int


def short_breaks(upset: UpsetCalls, happened: np.ndarray) -> np.ndarray:
    """Bool per upset call: the agent's previous upset call that happened ended < 10 min before."""
    n = upset.n
    if n == 0:
        return np.zeros(0, dtype=bool)
    e = happened[upset.by_agent]
    pos = np.where(e, np.arange(n), -1)
    last = np.maximum.accumulate(pos)
    prev = np.concatenate([[-1], last[:-1]])
    safe = np.maximum(prev, 0)
    valid = (prev >= 0) & (upset.agent_sorted[safe] == upset.agent_sorted)
    gap = upset.start_sorted - upset.end_sorted[safe]
    out = np.empty(n, dtype=bool)
    out[upset.by_agent] = valid & (gap < fx.SHORT_BREAK_S)
    return out


def solve(upset: UpsetCalls, eta: np.ndarray, background_day: np.ndarray,
          max_rounds: int = 500) -> ChurnResult:
    """Churn day of every customer in one world.

    Parameters
    ----------
    upset : UpsetCalls
        The upset potential calls.
    eta : numpy.ndarray
        Trigger log-odds without the break term (``trigger_logit``).
    background_day : numpy.ndarray
        Background churn day per customer.
    max_rounds : int
        Safety bound on fixed-point rounds.

    Returns
    -------
    ChurnResult
    """
    happened = np.ones(upset.n, dtype=bool)
    previous = churn_day = trigger_day = None  # set by the first round, before any return
    for rounds in range(1, max_rounds + 1):
        brk = short_breaks(upset, happened)
        if previous is not None and np.array_equal(brk, previous):
            return ChurnResult(churn_day, brk, trigger_day, rounds)
        p = logistic(eta + fx.TRIGGER_SHORT_BREAK * brk)
        fired = upset.u_trigger < p
        trigger_day = np.where(fired, upset.day + upset.delay_days, NEVER).astype(np.int32)
        churn_day = earliest(upset, trigger_day, background_day)
        happened = upset.day < churn_day[upset.customer]
        previous = brk
    raise RuntimeError("churn did not settle")


def earliest(upset: UpsetCalls, trigger_day: np.ndarray, background_day: np.ndarray) -> np.ndarray:
    """Per customer, the earliest of the background day and the triggered days."""
    out = background_day.copy()
    if upset.n:
        first_trigger = np.minimum.reduceat(trigger_day[upset.by_customer], upset.customer_first)
        out[upset.customer_ids] = np.minimum(out[upset.customer_ids], first_trigger)
    return out
