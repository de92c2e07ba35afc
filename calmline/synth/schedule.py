"""When calls happen and which agent takes them.

Every customer has a *potential* call schedule covering the whole period,
drawn before anything else. Churn later removes the calls a customer would
have made after leaving, so the schedule (and every random number tied to a
call) is the same in every counterfactual world; only which calls are
observed changes.

Agents take the calls of the days they are rostered, one after another within a
shift: each call starts after the previous one ended plus an idle gap. So the
break an agent had since their previous upset call is visible in the data
(``started_at`` and ``handle_s``).
"""

from __future__ import annotations

import numpy as np

from . import effects as fx
from .period import Period
from .population import Agents, Customers


def draw_contacts(rng: np.random.Generator, customers: Customers, agents: Agents,
                  period: Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw every potential call: its customer, day and agent.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"schedule"`` stream.
    customers, agents : Customers, Agents
        The population.
    period : Period
        The covered period.

    Returns
    -------
    customer, day, agent : numpy.ndarray
        One entry per potential call, grouped by customer (not yet in time order).
    """
    n_days = period.n_days
    lo = np.maximum(customers.signup_day, 0).astype(np.int64)
    exposure_y = (n_days - lo) / 365.25
    counts = rng.poisson(customers.contact_rate * exposure_y)
    customer = np.repeat(np.arange(customers.n, dtype=np.int32), counts)

    weekday = period.weekday_of_day()
    weight = (np.asarray(fx.MONTH_CALL_SEASON)[period.month_of_day()]
              * np.where(weekday == 5, 0.6, np.where(weekday == 6, 0.45, 1.0)))
    cum = np.concatenate([[0.0], np.cumsum(weight)])
    lo_c = lo[customer]
    target = cum[lo_c] + rng.random(len(customer)) * (cum[n_days] - cum[lo_c])
    day = np.searchsorted(cum, target, side="right") - 1
    day = np.clip(day, lo_c, n_days - 1).astype(np.int32)

    # pick one of the agents rostered that day, uniformly
    by_day_day, by_day_agent = np.nonzero(agents.works.T)
    rostered = np.bincount(by_day_day, minlength=n_days)
    offset = np.concatenate([[0], np.cumsum(rostered)])
    pick = offset[day] + (rng.random(len(day)) * rostered[day]).astype(np.int64)
    agent = by_day_agent[pick].astype(np.int32)
    return customer, day, agent


def place_in_shifts(rng: np.random.Generator, day: np.ndarray, agent: np.ndarray,
                    handle_s: np.ndarray, n_days: int) -> np.ndarray:
    """Start time of each call in seconds since midnight.

    The calls an agent takes on a day are put in random order and laid end to
    end from a shift start (07:00-13:00), separated by exponential idle gaps
    sized so the shift lasts about 40 minutes per call (3 to 9 hours).

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"shifts"`` stream.
    day, agent, handle_s : numpy.ndarray
        Per potential call.
    n_days : int
        Days in the period.

    Returns
    -------
    numpy.ndarray
        int64 seconds since midnight of ``day``, at most 86,399.
    """
    n = len(day)
    key = agent.astype(np.int64) * n_days + day
    order = np.lexsort((rng.random(n), key))
    k = key[order]
    first = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    group = np.repeat(np.arange(len(first)), np.diff(np.concatenate([first, [n]])))
    size = np.diff(np.concatenate([first, [n]]))
    h = handle_s[order].astype(np.float64)
    handle_sum = np.add.reduceat(h, first) if n else np.zeros(0)
    shift_len = np.clip(size * 2400.0, 3 * 3600.0, 9 * 3600.0)
    idle_mean = np.maximum(60.0, (shift_len - handle_sum) / size)
    shift_start = (7 + 6 * rng.random(len(first))) * 3600.0
    idle = rng.exponential(1.0, n) * idle_mean[group]
    step = np.cumsum(idle + h)
    before_group = np.concatenate([[0.0], step])[first][group]
    start = shift_start[group] + (step - h) - before_group
    out = np.empty(n, dtype=np.int64)
    out[order] = np.minimum(np.floor(start), 86399).astype(np.int64)
    return out
