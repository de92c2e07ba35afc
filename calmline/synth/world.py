"""Build the world (everything drawn from the seed) and evaluate it under a force.

``build_world`` draws every random number once: customers, agents, the
potential call schedule, pre-call facts, the factual practices, the uniforms
behind every outcome, follow-up decisions and delays, training, churn
triggers. ``call_state`` then computes one world (factual, or with practices
forced on upset calls) from those fixed draws, and ``churn_of`` solves its
churn. Counterfactual worlds therefore share every random number with the
factual one (common random numbers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import calls as cl
from . import effects as fx
from .churn import ChurnResult, UpsetCalls, make_upset_calls, solve, trigger_logit
from .followups import FollowUpDraws, draw_followups, followed_up, realise
from .period import Period
from .population import Agents, Customers, make_agents, make_customers
from .schedule import draw_contacts, place_in_shifts
from .streams import stream
from .training import draw_training, trained_on_calls


@dataclass
class World:
    """All draws of one seed. Potential calls are in time order (index = call number - 1)."""

    seed: int
    period: Period
    customers: Customers
    agents: Agents
    training_day: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    agent: np.ndarray
    start_abs_s: np.ndarray
    pre: cl.PreCall
    practices: dict[str, np.ndarray]
    options: np.ndarray
    draws: cl.OutcomeDraws
    followups: FollowUpDraws
    upset_mask: np.ndarray
    upset: UpsetCalls

    @property
    def n_calls(self) -> int:
        return len(self.customer)


def build_world(seed: int, n_customers: int, start: dt.date, months: int) -> World:
    """Draw a world.

    Parameters
    ----------
    seed : int
        Seed of every random stream.
    n_customers : int
        Number of customers.
    start : datetime.date
        First day of the period.
    months : int
        Length of the period in calendar months.

    Returns
    -------
    World
    """
    period = Period(start, months)
    customers = make_customers(stream(seed, "customers"), n_customers, period)
    agents = make_agents(stream(seed, "agents"), customers, period)
    customer, day, agent = draw_contacts(stream(seed, "schedule"), customers, agents, period)
    month_of_day = period.month_of_day()
    pre = cl.draw_precall(stream(seed, "precall"), customer, day, customers, month_of_day)
    tod = place_in_shifts(stream(seed, "shifts"), day, agent, pre.handle_s, period.n_days)

    # from here on, potential calls are in time order
    start_abs = day.astype(np.int64) * 86400 + tod
    order = np.lexsort((customer, start_abs))
    customer, day, agent, start_abs = customer[order], day[order], agent[order], start_abs[order]
    pre = cl.PreCall(**{k: v[order] for k, v in vars(pre).items()})

    training_day = draw_training(stream(seed, "training"), agents, period.n_days)
    trained = trained_on_calls(training_day, agent, day)
    skill = agents.skill[agent]
    practices, options = cl.draw_practices(stream(seed, "practices"), pre, skill,
                                           customers.plan[customer] == 2, trained)
    del trained
    draws = cl.draw_outcome_uniforms(stream(seed, "outcomes"), pre)
    followups = draw_followups(stream(seed, "followups"), practices["followup_promised"], skill,
                               pre.channel)
    upset = make_upset_calls(stream(seed, "churn"), pre, customers, customer, day, agent, start_abs)
    return World(seed, period, customers, agents, training_day, customer, day, agent, start_abs,
                 pre, practices, options, draws, followups, pre.anger >= fx.UPSET_ANGER, upset)


@dataclass
class CallState:
    """The practices and outcomes of every potential call in one world."""

    practices: dict[str, np.ndarray]
    options: np.ndarray
    transfers: np.ndarray
    resolved: np.ndarray
    followup_happens: np.ndarray
    followup_delay_s: np.ndarray
    force: dict[str, bool]


def call_state(world: World, force: dict[str, bool] | None = None) -> CallState:
    """Practices and outcomes of every potential call with ``force`` applied to upset calls.

    Parameters
    ----------
    world : World
        The draws.
    force : dict of str to bool, optional
        Practice name (from ``effects.PRACTICES``) -> value on every upset call.
        offered_options on means ``options_offered = max(count, 2)``, off
        ``min(count, 1)``. Other practices keep their factual values; outcomes
        (transfers, resolved, csat, hold) respond.

    Returns
    -------
    CallState
    """
    force = force or {}
    up = world.upset_mask
    practices = dict(world.practices)
    for name in fx.BOOLEAN_PRACTICES:
        if name in force:
            practices[name] = np.where(up, bool(force[name]), world.practices[name])
    options = world.options
    if "offered_options" in force:
        forced = np.maximum(options, 2) if force["offered_options"] else np.minimum(options, 1)
        options = np.where(up, forced, options).astype(np.int8)
    happens, delay = realise(world.followups, up, force.get("followed_up"))
    pre, d = world.pre, world.draws
    n_transfers = cl.transfers(practices["took_ownership"], pre.issue, pre.channel, pre.anger,
                               d.u_transfer)
    is_resolved = cl.resolved(practices["took_ownership"], options >= 2, n_transfers, pre.issue,
                              pre.channel, pre.anger, d.u_resolved)
    return CallState(practices, options, n_transfers, is_resolved, happens, delay, dict(force))


OUTCOME_DRIVERS = ("took_ownership", "offered_options")
"""Practices that call outcomes (transfers, resolved) depend on."""


def with_force(world: World, base: CallState, name: str, value: bool) -> CallState:
    """``base`` with one more practice forced on upset calls.

    Equal to ``call_state(world, base.force | {name: value})``; when no outcome
    depends on ``name`` the base outcomes are reused instead of recomputed.
    """
    force = {**base.force, name: bool(value)}
    if name in OUTCOME_DRIVERS:
        return call_state(world, force)
    practices = dict(base.practices)
    happens, delay = base.followup_happens, base.followup_delay_s
    if name in fx.BOOLEAN_PRACTICES:
        practices[name] = np.where(world.upset_mask, bool(value), world.practices[name])
    else:
        happens, delay = realise(world.followups, world.upset_mask, bool(value))
    return CallState(practices, base.options, base.transfers, base.resolved, happens, delay, force)


def upset_practices(world: World, state: CallState) -> dict[str, np.ndarray]:
    """Every practice in ``effects.PRACTICES`` as bool per upset call."""
    idx = world.upset.idx
    out = {name: state.practices[name][idx] for name in fx.BOOLEAN_PRACTICES}
    out["offered_options"] = state.options[idx] >= 2
    out["followed_up"] = followed_up(state.followup_happens[idx], state.followup_delay_s[idx])
    return out


def upset_logit(world: World, state: CallState) -> np.ndarray:
    """Trigger log-odds (without the break term) of every upset call in the world ``state``."""
    idx = world.upset.idx
    return trigger_logit(world.upset.pre_logit, upset_practices(world, state),
                         state.resolved[idx], state.transfers[idx])


def churn_of(world: World, state: CallState) -> ChurnResult:
    """Solve the churn of the world ``state``."""
    return solve(world.upset, upset_logit(world, state), world.customers.background_day)
