"""Follow-ups after calls.

Whether an agent follows a call up is drawn once per call:
``logistic(-2.6 + 3.4 * followup_promised + 0.5 * skill)``, so most follow-ups
come after a promise, some without one, and skilled agents follow up more. The
delay (1 hour to 40 days, log-normal, median ~40 hours) is drawn for every call,
so a counterfactual that forces a follow-up uses the same pre-drawn delay
(truncated to 30 days). ``followed_up`` = a follow-up within 30 days.

Follow-ups do not respond to a forced ``followup_promised`` and vice versa: in
a counterfactual only the forced practice moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .calls import logistic


def window_s() -> int:
    """Seconds after the call within which a follow-up counts as ``followed_up``."""
    return vocabulary.FOLLOWUP_WINDOW_DAYS * 86400


@dataclass
class FollowUpDraws:
    """Per potential call: the factual follow-up decision and the potential delay."""

    happens: np.ndarray    # bool
    delay_s: np.ndarray    # int32 seconds after the call started
    channel: np.ndarray    # int8 index into effects.FOLLOWUP_CHANNELS


def draw_followups(rng: np.random.Generator, promised: np.ndarray, skill: np.ndarray,
                   call_channel: np.ndarray) -> FollowUpDraws:
    """Draw follow-up decisions, delays and channels for every potential call.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"followups"`` stream.
    promised : numpy.ndarray
        Bool, followup_promised on the call (factual).
    skill : numpy.ndarray
        The answering agent's skill.
    call_channel : numpy.ndarray
        Channel index of the call.

    Returns
    -------
    FollowUpDraws
    """
    n = len(promised)
    a, b_promised, b_skill = fx.FOLLOWUP_HAPPEN
    p_happen = logistic(a + b_promised * promised + b_skill * skill)
    happens = rng.random(n, dtype=np.float32) < p_happen
    lo, hi = fx.FOLLOWUP_DELAY_RANGE_H
    hours = fx.FOLLOWUP_DELAY_MEDIAN_H * np.exp(fx.FOLLOWUP_DELAY_SIGMA * rng.standard_normal(n))
    delay_s = np.round(np.clip(hours, lo, hi) * 3600).astype(np.int32)
    cum = np.cumsum(np.array([[0.50, 0.30, 0.20], [0.15, 0.50, 0.35], [0.10, 0.80, 0.10]]), axis=1)
    u = rng.random(n, dtype=np.float32)
    channel = (u > cum[call_channel, 0]).astype(np.int8) + (u > cum[call_channel, 1])
    return FollowUpDraws(happens, delay_s, channel)


def realise(draws: FollowUpDraws, upset: np.ndarray, force: bool | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Follow-ups that happen in a world, with their delays.

    Parameters
    ----------
    draws : FollowUpDraws
        The factual draws.
    upset : numpy.ndarray
        Bool per call; only upset calls are forced.
    force : bool or None
        None: factual. True: every upset call is followed up within 30 days
        (pre-drawn delay truncated to 30 days). False: no upset call is
        followed up within 30 days (later follow-ups stay).

    Returns
    -------
    happens, delay_s : numpy.ndarray
    """
    if force is None:
        return draws.happens, draws.delay_s
    window = window_s()
    if force:
        happens = draws.happens | upset
        delay = np.where(upset, np.minimum(draws.delay_s, window), draws.delay_s).astype(np.int32)
        return happens, delay
    return draws.happens & ~(upset & (draws.delay_s <= window)), draws.delay_s


def followed_up(happens: np.ndarray, delay_s: np.ndarray) -> np.ndarray:
    """Bool: a follow-up happened within 30 days of the call."""
    return happens & (delay_s <= window_s())
