"""Training completions.

Each agent may complete each module (named after the calls-file column it
coaches) before the period (8%) or during it (logistic, weaker agents are sent
more often). After the completion day the agent's log-odds of that practice
rise by 0.9 (options_offered: Poisson rate x1.35). Training affects churn only
through the practice it changes.
"""

from __future__ import annotations

import numpy as np

from . import effects as fx
from .calls import logistic
from .population import NEVER, Agents


def draw_training(rng: np.random.Generator, agents: Agents, n_days: int) -> np.ndarray:
    """Day each agent completed each module.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"training"`` stream.
    agents : Agents
        The agents (hire day, skill).
    n_days : int
        Days in the period; completions fall before day ``n_days``.

    Returns
    -------
    numpy.ndarray
        int32 array (n_agents, n_modules) of completion days relative to start
        (negative = before the period), or ``NEVER``.
    """
    shape = (agents.n, len(fx.TRAINING_MODULES))
    hire = agents.hire_day[:, None].astype(np.int64)
    a, b = fx.TRAINING_DURING
    during = rng.random(shape) < logistic(a + b * agents.skill)[:, None]
    before = (rng.random(shape) < fx.TRAINING_BEFORE) & (hire < -1)
    lo = np.maximum(hire, 0)
    day_during = lo + (rng.random(shape) * (n_days - lo)).astype(np.int64)
    day_before = hire + (rng.random(shape) * (-hire)).astype(np.int64)
    day = np.where(before, day_before, np.where(during, day_during, NEVER))
    return np.minimum(day, NEVER).astype(np.int32)


def trained_on_calls(completed_day: np.ndarray, agent: np.ndarray, day: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """Per module, bool per call: the agent completed it before the call's day."""
    return {module: completed_day[agent, j] < day
            for j, module in enumerate(fx.TRAINING_MODULES)}
