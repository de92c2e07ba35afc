"""Customers and agents of the synthetic world.

Customers carry the pre-call covariates the analysis can see (plan,
monthly_value, region, signup date -> tenure) and two things it cannot: a
personal contact rate and a background churn day (the day they would leave
regardless of any call; hazard depends only on observed covariates and season).

Agents carry team, site, hire date and a latent ``skill``. Skill raises every
practice at once and nothing else. Agents work rostered days on the queue; the
roster is what makes some upset calls follow each other closely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import effects as fx
from .period import Period

NEVER = np.iinfo(np.int32).max // 2
"""Day number meaning 'not within the horizon'."""


@dataclass
class Customers:
    """One entry per customer, index = customer number - 1."""

    signup_day: np.ndarray      # int32, days relative to start (negative = before start)
    plan: np.ndarray            # int8 index into effects.PLANS
    value_cents: np.ndarray     # int64 monthly value in cents
    region: np.ndarray          # int8 index into effects.REGIONS
    contact_rate: np.ndarray    # float64 potential calls per year
    background_day: np.ndarray  # int32 day the customer leaves without any call's help, or NEVER

    @property
    def n(self) -> int:
        return len(self.plan)


def make_customers(rng: np.random.Generator, n: int, period: Period) -> Customers:
    """Draw ``n`` customers active at ``start`` or signing up during the period.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"customers"`` stream.
    n : int
        Number of customers.
    period : Period
        The covered period.

    Returns
    -------
    Customers
    """
    n_days = period.n_days
    new = rng.random(n) < 0.08
    tenure_y = np.minimum(rng.exponential(3.0, n), 15.0) + 30 / 365.25
    signup_day = np.where(new, (rng.random(n) * n_days * 0.85).astype(np.int64),
                          -np.ceil(tenure_y * 365.25).astype(np.int64)).astype(np.int32)
    plan = _categorical(rng.random(n), np.asarray(fx.PLAN_SHARE)).astype(np.int8)
    price = np.asarray(fx.PLAN_PRICE)[plan] * rng.lognormal(0.0, 0.22, n)
    price = np.where(rng.random(n) < 0.01, 0.0, price)   # a few staff or promo accounts
    value_cents = np.round(price * 100).astype(np.int64)
    region = _categorical(rng.random(n), np.asarray(fx.REGION_SHARE)).astype(np.int8)
    contact_rate = fx.CALLS_PER_YEAR * rng.gamma(2.5, 1 / 2.5, n) * np.where(plan == 2, 1.1, 1.0)

    # background churn: piecewise-constant seasonal hazard from max(signup, start)
    lo = np.maximum(signup_day, 0)
    tenure_at_lo = (lo - signup_day) / 365.25
    log_hr = (np.asarray(fx.BACKGROUND_PLAN)[plan] + np.asarray(fx.BACKGROUND_REGION)[region]
              + fx.BACKGROUND_TENURE * (np.log1p(tenure_at_lo) - np.log1p(2.0)))
    rate = fx.BACKGROUND_CHURN_PER_YEAR * np.exp(log_hr)
    season = np.asarray(fx.MONTH_CHURN_SEASON)[period.month_of_day()] / 365.25
    cum = np.concatenate([[0.0], np.cumsum(season)])           # hazard before day d
    target = cum[lo] + rng.exponential(1.0, n) / rate
    day = np.searchsorted(cum, target, side="left")            # first d with cum[d] >= target
    background_day = np.where(day > n_days, NEVER, day).astype(np.int32)
    return Customers(signup_day, plan, value_cents, region, contact_rate, background_day)


@dataclass
class Agents:
    """One entry per agent, index = agent number - 1."""

    team: np.ndarray       # int8 index into effects.TEAMS
    hire_day: np.ndarray   # int32 relative to start
    skill: np.ndarray      # float64 latent, mean 0 sd ~1
    works: np.ndarray      # bool (n_agents, n_days) rostered on the queue that day

    @property
    def n(self) -> int:
        return len(self.team)


def agent_count(customers: int) -> int:
    """One agent per ~60 customers, at least 12, at most 2,000."""
    return int(np.clip(round(customers / 60), 12, 2000))


def make_agents(rng: np.random.Generator, customers: Customers, period: Period) -> Agents:
    """Draw the agents and their roster.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"agents"`` stream.
    customers : Customers
        Used for the expected call volume, which sets how often agents are rostered.
    period : Period
        The covered period.

    Returns
    -------
    Agents
    """
    n = agent_count(customers.n)
    n_days = period.n_days
    team = rng.permutation(np.arange(n) % len(fx.TEAMS)).astype(np.int8)
    team_mean = rng.normal(0.0, 0.3, len(fx.TEAMS))
    skill = team_mean[team] + rng.normal(0.0, 1.0, n)
    hired_in_period = rng.random(n) < 0.12
    hired_in_period[:12] = False                              # someone is always there on day 0
    tenure_y = np.minimum(rng.exponential(3.0, n), 20.0) + 14 / 365.25
    hire_day = np.where(hired_in_period, (rng.random(n) * n_days * 0.75).astype(np.int64),
                        -np.ceil(tenure_y * 365.25).astype(np.int64)).astype(np.int32)

    # roster: aim for ~6 calls per rostered shift
    calls_per_day = customers.contact_rate.sum() / 365.25
    share = np.clip(calls_per_day / (n * 0.9) / 6.0, 0.05, 0.95)
    weekday = period.weekday_of_day()
    day_factor = np.where(weekday == 5, 0.6, np.where(weekday == 6, 0.45, 1.0))
    agent_factor = rng.uniform(0.5, 1.5, n)
    p_work = np.clip(share * agent_factor[:, None] * day_factor[None, :], 0.0, 1.0)
    works = rng.random((n, n_days), dtype=np.float32) < p_work
    works &= np.arange(n_days)[None, :] >= hire_day[:, None]
    empty = np.flatnonzero(~works.any(axis=0))
    works[empty % 12, empty] = True
    return Agents(team, hire_day, skill, works)


def _categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Category index for uniforms ``u`` under probabilities ``probs`` (sum 1)."""
    return np.searchsorted(np.cumsum(probs)[:-1], u, side="right")
