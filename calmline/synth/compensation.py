"""Compensation: a goodwill credit or refund granted on a call (``compensation_value``).

Drawn from its own ``"compensation"`` stream, so no other column moves. For every
potential call two things are drawn once:

- whether the agent grants a credit (the factual ``compensated``):
  ``logistic(-2.0 + 0.5 * skill + 0.45 * (anger - 3) + plan + 0.05 * monthly_value / 10
  + effort shock + 0.9 after the "compensated" module)``. Anger, plan and monthly_value
  also move the churn trigger, so a raw comparison is confounded;
- the amount it would be: ``base * share`` with ``base = max(monthly_value, 10)`` and a
  log-normal share (median 0.5 at anger 3, a little more for angrier customers).

A forced world uses the same pre-drawn amount: on, every upset call gets its amount;
off, none gets anything. Compensation changes only the churn trigger (not resolution,
transfers or csat): by ``TRIGGER_PRACTICE["compensated"] + COMPENSATION_DOSE *
log1p(amount / base)`` on the log-odds scale (see effects.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .calls import PreCall, logistic


@dataclass
class CompensationDraws:
    """Per potential call: the factual decision and the amount it would be."""

    granted: np.ndarray          # bool, factual
    potential_cents: np.ndarray  # int64 >= COMPENSATION_MIN in cents, drawn for every call
    base_cents: np.ndarray       # int64, max(monthly_value, floor) of the call's customer


def draw_compensation(rng: np.random.Generator, pre: PreCall, skill: np.ndarray,
                      effort: np.ndarray, plan: np.ndarray, value_cents: np.ndarray,
                      trained: np.ndarray | None) -> CompensationDraws:
    """Draw the compensation decision and amount of every potential call.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"compensation"`` stream.
    pre : PreCall
        Pre-call facts (anger).
    skill, effort : numpy.ndarray
        The agent's latent skill and the call's effort shock (shared with the other practices).
    plan, value_cents : numpy.ndarray
        The customer's plan index and monthly value in cents, per call.
    trained : numpy.ndarray or None
        Bool per call: the agent had completed the ``compensated`` module (None: no module).

    Returns
    -------
    CompensationDraws
    """
    n = len(skill)
    u = rng.random(n)
    z = rng.standard_normal(n)
    anger3 = pre.anger.astype(np.float64) - vocabulary.UPSET_ANGER
    a, load, slope = fx.COMPENSATION_ADOPTION
    eta = (a + load * skill + slope * anger3 + np.asarray(fx.COMPENSATION_PLAN)[plan]
           + fx.COMPENSATION_VALUE * value_cents / 1000.0 + effort)
    if trained is not None:
        eta = eta + fx.COMPENSATION_TRAINING_BOOST * trained
    base = np.maximum(value_cents, round(fx.COMPENSATION_BASE_FLOOR * 100))
    share = fx.COMPENSATION_SHARE_MEDIAN * np.exp(fx.COMPENSATION_SHARE_ANGER * anger3
                                                  + fx.COMPENSATION_SHARE_SIGMA * z)
    cents = np.maximum(np.round(base * share), round(fx.COMPENSATION_MIN * 100)).astype(np.int64)
    return CompensationDraws(u < logistic(eta), cents, base.astype(np.int64))


def realise(draws: CompensationDraws, upset: np.ndarray, force: bool | None) -> np.ndarray:
    """Compensation in cents per potential call in a world (0 = none).

    ``force`` None is the factual world; True gives every upset call its pre-drawn
    amount, False gives no upset call anything. Calm calls keep their factual value.
    """
    factual = np.where(draws.granted, draws.potential_cents, 0)
    if force is None:
        return factual
    return np.where(upset, draws.potential_cents if force else 0, factual)


def dose(cents: np.ndarray, base_cents: np.ndarray) -> np.ndarray:
    """``log1p(amount / base)``: 0 without compensation, the dose the trigger responds to."""
    return np.log1p(cents / base_cents)
