"""Build the world (everything drawn from the seed) and evaluate it under a force.

``build_world`` draws every random number once: customers, agents, the
potential call schedule, pre-call facts, the factual practices, the uniforms
behind every outcome, follow-up decisions and delays, compensation decisions
and amounts, training, churn triggers. ``call_state`` then computes one world
(factual, or with practices forced on upset calls) from those fixed draws, and
``churn_of`` solves its churn. Counterfactual worlds therefore share every random number with the
factual one (common random numbers). ``with_variant`` switches how a practice was done (a
disputed point's side) on chosen upset calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from calmline import vocabulary

from . import calls as cl
from . import compensation as comp
from . import variants as vr
from .churn import ChurnResult, UpsetCalls, make_upset_calls, solve, trigger_logit
from .followups import FollowUpDraws, draw_followups, followed_up, realise
from .period import Period
from .population import Agents, Customers, make_agents, make_customers
from .schedule import draw_contacts, place_in_shifts
from .streams import stream
from .training import draw_training, module_order, trained_on_calls


@dataclass
class World:
    """All draws of one seed. Potential calls are in time order (index = call number - 1)."""

    seed: int
    period: Period
    customers: Customers
    agents: Agents
    training_modules: tuple[str, ...]   # column order of training_day
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
    compensation: comp.CompensationDraws
    upset_mask: np.ndarray
    upset: UpsetCalls
    variants: vr.VariantDraws

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

    modules = module_order()
    training_day = draw_training(seed, agents, period.n_days, modules)
    trained = trained_on_calls(training_day, modules, agent, day)
    skill = agents.skill[agent]
    plan = customers.plan[customer]
    practices, options, effort = cl.draw_practices(stream(seed, "practices"), pre, skill,
                                                   plan == 2, trained)
    compensation = comp.draw_compensation(stream(seed, "compensation"), pre, skill, effort, plan,
                                          customers.value_cents[customer],
                                          trained.get("compensated"))
    del trained, effort
    draws = cl.draw_outcome_uniforms(stream(seed, "outcomes"), pre)
    followups = draw_followups(stream(seed, "followups"), practices["followup_promised"], skill,
                               pre.channel)
    upset = make_upset_calls(stream(seed, "churn"), pre, customers, customer, day, agent, start_abs)
    variants = vr.draw_variants(stream(seed, "variants"), pre, skill)
    return World(seed, period, customers, agents, modules, training_day, customer, day, agent,
                 start_abs, pre, practices, options, draws, followups, compensation,
                 pre.anger >= vocabulary.UPSET_ANGER, upset, variants)


@dataclass
class CallState:
    """The practices and outcomes of every potential call in one world."""

    practices: dict[str, np.ndarray]
    options: np.ndarray
    transfers: np.ndarray
    resolved: np.ndarray
    followup_happens: np.ndarray
    followup_delay_s: np.ndarray
    compensation_cents: np.ndarray
    force: dict[str, bool]
    variant_force: dict[str, tuple[bool, np.ndarray]] = field(default_factory=dict)
    """Dispute name -> (side, bool mask over potential calls) forced by :func:`with_variant`."""


def call_state(world: World, force: dict[str, bool] | None = None) -> CallState:
    """Practices and outcomes of every potential call with ``force`` applied to upset calls.

    Parameters
    ----------
    world : World
        The draws.
    force : dict of str to bool, optional
        Practice name (from ``vocabulary.practice_names()``) -> value on every upset
        call. offered_options on means ``options_offered = max(count, 2)``, off
        ``min(count, 1)``; compensated on means the call's pre-drawn amount, off 0.
        Other practices keep their factual values; outcomes (transfers, resolved,
        csat, hold) respond.

    Returns
    -------
    CallState
    """
    force = force or {}
    up = world.upset_mask
    practices = dict(world.practices)
    for name in vocabulary.qa_flags():
        if name in force:
            practices[name] = np.where(up, bool(force[name]), world.practices[name])
    options = world.options
    if "offered_options" in force:
        forced = np.maximum(options, 2) if force["offered_options"] else np.minimum(options, 1)
        options = np.where(up, forced, options).astype(np.int8)
    happens, delay = realise(world.followups, up, force.get("followed_up"))
    cents = comp.realise(world.compensation, up, force.get("compensated"))
    n_transfers, is_resolved = _outcomes(world, practices, options)
    return CallState(practices, options, n_transfers, is_resolved, happens, delay, cents,
                     dict(force))


def _outcomes(world: World, practices: dict[str, np.ndarray], options: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Transfers and resolution of every potential call given its practices."""
    pre, d = world.pre, world.draws
    n_transfers = cl.transfers(practices["took_ownership"], pre.issue, pre.channel, pre.anger,
                               d.u_transfer)
    is_resolved = cl.resolved(practices["took_ownership"], options >= 2, n_transfers, pre.issue,
                              pre.channel, pre.anger, d.u_resolved)
    return n_transfers, is_resolved


def with_variant(world: World, base: CallState, name: str, value: bool,
                 among: np.ndarray) -> CallState:
    """``base`` with one disputed point's side forced on some upset calls.

    Parameters
    ----------
    world : World
        The draws.
    base : CallState
        The world to start from.
    name : str
        A dispute of ``vocabulary.DISPUTES``.
    value : bool
        The side: True = the treated side (e.g. verbatim, early, interrupted, handed off).
    among : numpy.ndarray
        Bool per upset call: the calls switched (the dispute's group in ``base``); every
        other call keeps its variant. Disputes that switch a practice
        (``variants.SWITCHES``) set it (let_vent off = interrupted, took_ownership off =
        handed off); outcomes respond.

    Returns
    -------
    CallState
    """
    mask = np.zeros(world.n_calls, dtype=bool)
    mask[world.upset.idx[among]] = True
    switch = vr.SWITCHES[name]
    variant_force = dict(base.variant_force)
    if switch in vocabulary.qa_flags():
        practices = {**base.practices,
                     switch: np.where(mask, not value, base.practices[switch])}
        state = replace(base, practices=practices)
        if switch in OUTCOME_DRIVERS:
            n_transfers, is_resolved = _outcomes(world, practices, base.options)
            state = replace(state, transfers=n_transfers, resolved=is_resolved)
        if switch == "took_ownership":
            variant_force[name] = (bool(value), mask)
        return replace(state, variant_force=variant_force)
    variant_force[name] = (bool(value), mask)
    return replace(base, variant_force=variant_force)


def upset_facts(world: World, state: CallState) -> dict[str, np.ndarray]:
    """How every upset call's practices were done in the world ``state`` (variants.facts)."""
    return vr.facts(world.variants, world.upset.idx, state.practices, state.transfers,
                    state.variant_force)


def upset_sides(world: World, state: CallState) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each dispute's (among, treated) per upset call in the world ``state``."""
    return vr.sides(upset_facts(world, state))


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
    up = world.upset_mask
    if name in vocabulary.qa_flags():
        practices = {**base.practices,
                     name: np.where(up, bool(value), world.practices[name])}
        return replace(base, practices=practices, force=force)
    if name == "followed_up":
        happens, delay = realise(world.followups, up, bool(value))
        return replace(base, followup_happens=happens, followup_delay_s=delay, force=force)
    if name == "compensated":
        cents = comp.realise(world.compensation, up, bool(value))
        return replace(base, compensation_cents=cents, force=force)
    raise ValueError(f"the generator cannot force {name!r}")


def upset_practices(world: World, state: CallState) -> dict[str, np.ndarray]:
    """Every practice of the vocabulary as bool per upset call, in vocabulary order."""
    idx = world.upset.idx
    derived = {
        "offered_options": lambda: state.options[idx] >= 2,
        "followed_up": lambda: followed_up(state.followup_happens[idx],
                                           state.followup_delay_s[idx]),
        "compensated": lambda: state.compensation_cents[idx] > 0,
    }
    return {p.name: state.practices[p.name][idx] if p.is_flag else derived[p.name]()
            for p in vocabulary.PRACTICES}


def upset_compensation_dose(world: World, state: CallState) -> np.ndarray:
    """``log1p(compensation / base)`` per upset call (0 when none)."""
    idx = world.upset.idx
    return comp.dose(state.compensation_cents[idx], world.compensation.base_cents[idx])


def upset_logit(world: World, state: CallState) -> np.ndarray:
    """Trigger log-odds (without the break term) of every upset call in the world ``state``."""
    idx = world.upset.idx
    return (trigger_logit(world.upset.pre_logit, upset_practices(world, state),
                          upset_compensation_dose(world, state),
                          state.resolved[idx], state.transfers[idx])
            + vr.dispute_logit(upset_sides(world, state), world.upset.n))


def churn_of(world: World, state: CallState) -> ChurnResult:
    """Solve the churn of the world ``state``."""
    return solve(world.upset, upset_logit(world, state), world.customers.background_day)
