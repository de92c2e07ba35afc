"""What happens on each call: pre-call facts, the agent's practices, the outcome.

Pre-call (observed, fixed in every world): channel, issue_type, wait_s,
anger_level (ordered logit of issue, channel, plan, tenure and wait) and
handle_s (channel, issue, anger; not the practices, so an agent's schedule is
the same in every world).

Practices: each boolean practice is adopted with probability
``logistic(intercept + loading * skill + anger_slope * (anger - 3) + channel
+ premium + shared per-call effort shock + training boost)``. Skill and the
effort shock are shared by all practices, so practices come together.
options_offered is a Poisson count with a skill-dependent rate;
``offered_options`` means ``options_offered >= 2``.

Outcomes (respond to practices, drawn by inverse CDF from uniforms fixed per
call, so a counterfactual changes them only as far as the practice moves them):
transfers (took_ownership lowers them), resolved (took_ownership and
offered_options raise it, transfers lower it; issue, channel and anger matter;
skill does not), hold_s and csat (practices, thanked included, raise csat).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .population import Customers


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def logit_noise(u: np.ndarray) -> np.ndarray:
    """Standard logistic variates from uniforms."""
    u = np.clip(u.astype(np.float64), 1e-12, 1 - 1e-12)
    return np.log(u) - np.log1p(-u)


@dataclass
class PreCall:
    """Facts fixed before the agent says a word."""

    channel: np.ndarray    # int8 index into vocabulary.CHANNELS
    issue: np.ndarray      # int8 index into effects.ISSUES
    wait_s: np.ndarray     # int32
    anger: np.ndarray      # int8 1..5
    handle_s: np.ndarray   # int32 > 0
    tenure_y: np.ndarray   # float64 customer tenure in years on the call day
    month: np.ndarray      # int8 0..11 calendar month of the call


def draw_precall(rng: np.random.Generator, customer: np.ndarray, day: np.ndarray,
                 customers: Customers, month_of_day: np.ndarray) -> PreCall:
    """Draw channel, issue, wait, anger and handle time of every potential call.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"precall"`` stream.
    customer, day : numpy.ndarray
        Per potential call.
    customers : Customers
        Their covariates.
    month_of_day : numpy.ndarray
        Calendar month index of each day.

    Returns
    -------
    PreCall
    """
    n = len(customer)
    plan = customers.plan[customer]
    region = customers.region[customer]
    month = month_of_day[day]
    tenure_y = (day - customers.signup_day[customer]) / 365.25

    channel_p = np.array([[0.55, 0.30, 0.15], [0.58, 0.27, 0.15], [0.66, 0.22, 0.12]])
    channel = _draw_by_group(rng.random(n, dtype=np.float32), plan, np.cumsum(channel_p, axis=1))

    table = np.tile(np.array([0.30, 0.22, 0.10, 0.12, 0.16, 0.10]), (3, 5, 12, 1))
    table[:, :, [11, 0, 1], 2] *= 1.8            # winter storms: outages
    table[:, 3, :, 2] *= 1.5                     # the west has a weaker network
    table[:, :, [10, 11], 3] *= 1.5              # delivery issues before the holidays
    table[0, :, :, 5] *= 1.4                     # basic customers call to cancel more
    table[2, :, :, 1] *= 1.2                     # premium kit has more faults
    table /= table.sum(axis=-1, keepdims=True)
    combo = (plan.astype(np.int64) * 5 + region) * 12 + month
    issue = _draw_by_group(rng.random(n, dtype=np.float32), combo,
                           np.cumsum(table.reshape(-1, 6), axis=1))

    busy = np.where(np.isin(month, [0, 11]), 1.35, 1.0)
    median = np.array([80.0, 50.0, 4 * 3600.0])[channel] * busy
    sigma = np.array([0.9, 0.8, 0.7])[channel]
    wait_s = np.round(median * np.exp(sigma * rng.standard_normal(n))).astype(np.int32)

    latent = (np.asarray(fx.ANGER_ISSUE)[issue] + np.asarray(fx.ANGER_CHANNEL)[channel]
              + np.asarray(fx.ANGER_PLAN)[plan] + fx.ANGER_TENURE * np.log1p(tenure_y)
              + fx.ANGER_WAIT * np.log1p(wait_s / 120.0)
              + logit_noise(rng.random(n, dtype=np.float32)))
    anger = (1 + (latent[:, None] > np.asarray(fx.ANGER_CUTS)[None, :]).sum(axis=1)).astype(np.int8)

    base = np.array([480.0, 720.0, 300.0])[channel]
    issue_f = np.array([1.0, 1.3, 1.1, 0.9, 0.8, 1.2])[issue]
    handle = base * issue_f * np.exp(0.1 * (anger - 1) + 0.5 * rng.standard_normal(n))
    handle_s = np.maximum(np.round(handle), 30).astype(np.int32)
    return PreCall(channel.astype(np.int8), issue.astype(np.int8), wait_s, anger, handle_s,
                   tenure_y, month)


def draw_practices(rng: np.random.Generator, pre: PreCall, skill: np.ndarray,
                   premium: np.ndarray, trained: dict[str, np.ndarray]
                   ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Draw the agent's practices on every potential call (the factual world).

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"practices"`` stream.
    pre : PreCall
        Pre-call facts.
    skill : numpy.ndarray
        The answering agent's latent skill, per call.
    premium : numpy.ndarray
        Bool, the customer is on the premium plan.
    trained : dict of str to numpy.ndarray
        Per practice with a training module, bool per call: the agent had completed the
        module before the call day.

    Returns
    -------
    practices : dict of str to numpy.ndarray
        Bool per call for each QA flag of the vocabulary (``vocabulary.qa_flags()``).
    options_offered : numpy.ndarray
        int8 count of options offered.
    effort : numpy.ndarray
        The per-call effort shock every practice shares (compensation uses it too).
    """
    n = len(skill)
    effort = rng.normal(0.0, fx.PRACTICE_CALL_NOISE, n)
    common = effort + fx.PRACTICE_PREMIUM * premium
    anger3 = pre.anger.astype(np.float64) - vocabulary.UPSET_ANGER
    practices = {}
    for name in vocabulary.qa_flags():
        a, load, slope = fx.PRACTICE_ADOPTION[name]
        eta = a + load * skill + slope * anger3 + common
        if name in trained:
            eta = eta + fx.TRAINING_BOOST * trained[name]
        if name in fx.PRACTICE_CHANNEL:
            eta = eta + np.asarray(fx.PRACTICE_CHANNEL[name])[pre.channel]
        practices[name] = rng.random(n, dtype=np.float32) < logistic(eta)
    a, load, slope = fx.OPTIONS_LOG_RATE
    log_rate = a + load * skill + slope * anger3 + 0.5 * effort
    if "offered_options" in trained:
        log_rate = log_rate + fx.OPTIONS_TRAINING_BOOST * trained["offered_options"]
    options = poisson_inverse(rng.random(n, dtype=np.float32), np.exp(log_rate), fx.OPTIONS_CAP)
    return practices, options, effort


@dataclass
class OutcomeDraws:
    """Uniforms and pre-drawn pieces behind each call's outcome (same in every world)."""

    u_transfer: np.ndarray
    u_resolved: np.ndarray
    u_csat: np.ndarray
    csat_answered: np.ndarray   # bool, the customer answers the survey
    base_hold_s: np.ndarray     # float32 hold without transfers
    hold_per_transfer_s: np.ndarray
    qa_missing: np.ndarray      # bool, QA did not score the call


def draw_outcome_uniforms(rng: np.random.Generator, pre: PreCall) -> OutcomeDraws:
    """Draw the per-call randomness behind transfers, resolution, hold, csat and QA."""
    n = len(pre.anger)
    phone = pre.channel == 0
    base_hold = np.where(phone & (rng.random(n, dtype=np.float32) < 0.3),
                         rng.exponential(70.0, n), 0.0).astype(np.float32)
    per_transfer = np.where(phone, rng.uniform(45, 150, n), rng.uniform(10, 40, n))
    per_transfer = per_transfer.astype(np.float32)
    return OutcomeDraws(
        u_transfer=rng.random(n, dtype=np.float32),
        u_resolved=rng.random(n, dtype=np.float32),
        u_csat=rng.random(n, dtype=np.float32),
        csat_answered=rng.random(n, dtype=np.float32) < fx.CSAT_RESPONSE,
        base_hold_s=base_hold,
        hold_per_transfer_s=per_transfer,
        qa_missing=rng.random(n, dtype=np.float32) < fx.QA_NOT_ASSESSED,
    )


def transfers(took_ownership: np.ndarray, issue: np.ndarray, channel: np.ndarray,
              anger: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Number of transfers: Poisson, took_ownership lowers the rate."""
    rate = np.exp(fx.TRANSFER_LOG_RATE + np.asarray(fx.TRANSFER_ISSUE)[issue]
                  + np.asarray(fx.TRANSFER_CHANNEL)[channel]
                  + fx.TRANSFER_OWNERSHIP * took_ownership
                  + fx.TRANSFER_ANGER * (anger - vocabulary.UPSET_ANGER))
    return poisson_inverse(u, rate, fx.TRANSFER_CAP)


def resolved(took_ownership: np.ndarray, offered_options: np.ndarray, n_transfers: np.ndarray,
             issue: np.ndarray, channel: np.ndarray, anger: np.ndarray, u: np.ndarray
             ) -> np.ndarray:
    """Whether the issue was resolved on the call."""
    eta = (fx.RESOLVED_INTERCEPT + np.asarray(fx.RESOLVED_ISSUE)[issue]
           + np.asarray(fx.RESOLVED_CHANNEL)[channel]
           + fx.RESOLVED_ANGER * (anger - vocabulary.UPSET_ANGER)
           + fx.RESOLVED_OWNERSHIP * took_ownership + fx.RESOLVED_OPTIONS * offered_options
           + fx.RESOLVED_TRANSFER * n_transfers)
    return u < logistic(eta)


def hold_s(n_transfers: np.ndarray, handle_s: np.ndarray, base_hold_s: np.ndarray,
           hold_per_transfer_s: np.ndarray) -> np.ndarray:
    """Seconds on hold: some base hold plus time per transfer, at most half the call."""
    hold = base_hold_s + n_transfers * hold_per_transfer_s
    return np.minimum(np.round(hold), handle_s // 2).astype(np.int32)


def csat(practices: dict[str, np.ndarray], offered_options: np.ndarray, is_resolved: np.ndarray,
         n_transfers: np.ndarray, anger: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Survey score 1..5 the customer would give (whether or not they answer)."""
    done = sum(practices[name].astype(np.float64) for name in vocabulary.qa_flags())
    latent = (0.9 * is_resolved + 0.12 * done + 0.25 * practices["thanked"]
              + 0.3 * offered_options - 0.35 * (anger - vocabulary.UPSET_ANGER) - 0.25 * n_transfers
              + logit_noise(u))
    return (1 + (latent[:, None] > np.asarray(fx.CSAT_CUTS)[None, :]).sum(axis=1)).astype(np.int8)


def poisson_inverse(u: np.ndarray, rate: np.ndarray, cap: int) -> np.ndarray:
    """Poisson(rate) counts by inverse CDF of ``u``, capped at ``cap``.

    The count is monotone in ``rate`` for a fixed ``u``, so a counterfactual
    that lowers the rate never raises the count.
    """
    u = u.astype(np.float64)
    p = np.exp(-rate)
    cdf = p.copy()
    count = np.zeros(len(u), dtype=np.int8)
    for k in range(1, cap + 1):
        count += u > cdf
        p = p * rate / k
        cdf = cdf + p
    return count


def _draw_by_group(u: np.ndarray, group: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Categorical draw where row ``group[i]`` of ``cum`` holds the cumulative probabilities."""
    out = np.zeros(len(u), dtype=np.int8)
    for k in range(cum.shape[1] - 1):
        out += u > cum[group, k]
    return out
