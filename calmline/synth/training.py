"""Training completions.

Each agent may complete each module of the vocabulary (``vocabulary.training_modules()``)
before the period (8%) or during it (logistic, weaker agents are sent more often).
After the completion day the agent's log-odds of the practice the module coaches rise
by 0.9 (options_offered: Poisson rate x1.35). Training affects churn only through the
practice it changes.

The modules in ``effects.TRAINING_SHARED_STREAM`` are drawn together from the
``"training"`` stream; every other module (``compensated``, or one added later) from its
own stream ``"training:<module>"``, so adding a module moves no other completion.
"""

from __future__ import annotations

import numpy as np

from calmline import vocabulary

from . import effects as fx
from .calls import logistic
from .population import NEVER, Agents
from .streams import stream


def module_order() -> tuple[str, ...]:
    """The vocabulary's training modules in the generator's column order: the shared-stream
    modules first (in their fixed order), then the others in vocabulary order."""
    known = vocabulary.training_modules()
    shared = tuple(m for m in fx.TRAINING_SHARED_STREAM if m in known)
    return shared + tuple(m for m in known if m not in shared)


def draw_training(seed: int, agents: Agents, n_days: int, modules: tuple[str, ...]) -> np.ndarray:
    """Day each agent completed each module.

    Parameters
    ----------
    seed : int
        The world's seed (the training streams derive from it).
    agents : Agents
        The agents (hire day, skill).
    n_days : int
        Days in the period; completions fall before day ``n_days``.
    modules : tuple of str
        The modules, one column each (``module_order()``).

    Returns
    -------
    numpy.ndarray
        int32 array (n_agents, len(modules)) of completion days relative to start
        (negative = before the period), or ``NEVER``.
    """
    shared = _completion_days(stream(seed, "training"), agents, n_days,
                              len(fx.TRAINING_SHARED_STREAM))
    columns = [shared[:, fx.TRAINING_SHARED_STREAM.index(m)] if m in fx.TRAINING_SHARED_STREAM
               else _completion_days(stream(seed, f"training:{m}"), agents, n_days, 1)[:, 0]
               for m in modules]
    return np.stack(columns, axis=1) if columns else np.full((agents.n, 0), NEVER, np.int32)


def _completion_days(rng: np.random.Generator, agents: Agents, n_days: int, n_modules: int
                     ) -> np.ndarray:
    """Completion days (n_agents, n_modules) drawn from ``rng``, or ``NEVER``."""
    shape = (agents.n, n_modules)
    hire = agents.hire_day[:, None].astype(np.int64)
    a, b = fx.TRAINING_DURING
    during = rng.random(shape) < logistic(a + b * agents.skill)[:, None]
    before = (rng.random(shape) < fx.TRAINING_BEFORE) & (hire < -1)
    lo = np.maximum(hire, 0)
    day_during = lo + (rng.random(shape) * (n_days - lo)).astype(np.int64)
    day_before = hire + (rng.random(shape) * (-hire)).astype(np.int64)
    day = np.where(before, day_before, np.where(during, day_during, NEVER))
    return np.minimum(day, NEVER).astype(np.int32)


def trained_on_calls(completed_day: np.ndarray, modules: tuple[str, ...], agent: np.ndarray,
                     day: np.ndarray) -> dict[str, np.ndarray]:
    """Per practice with a module, bool per call: the agent completed the module before the
    call's day."""
    coaches = vocabulary.module_practice()
    return {coaches[module]: completed_day[agent, j] < day for j, module in enumerate(modules)}
