"""Write a world to the calmline input files (CSV via pyarrow).

Files and grain:

- ``calls/calls_YYYY-MM.csv``: one row per call that happened, one file per
  calendar month of ``started_at``.
- ``customers.csv``: one row per customer.
- ``agents.csv``: one row per agent.
- ``follow_ups.csv``: one row per follow-up of a call that happened, up to as_of.
- ``training.csv``: one row per (agent, module) completed.

Booleans are written ``true``/``false``, missing values as empty fields,
timestamps ``YYYY-MM-DDTHH:MM:SS``, dates ``YYYY-MM-DD``, money with two decimals
(``compensation_value`` 0 as ``0``). Nothing is quoted (no value contains a comma or
a quote). The calls files' QA-flag columns and the training modules are the
vocabulary's, read when a file is written.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from calmline import vocabulary

from . import effects as fx
from .calls import csat as csat_score
from .calls import hold_s
from .population import NEVER
from .world import CallState, World


def call_columns() -> list[str]:
    """The calls files' columns, in file order (compensation_value last, after csat)."""
    return (["call_id", "customer_id", "agent_id", "started_at", "channel", "issue_type",
             "anger_level", "wait_s", "handle_s", "hold_s", "transfers", "resolved"]
            + list(vocabulary.qa_flags()) + ["options_offered", "csat", "compensation_value"])


CALL_ID_WIDTH, CUSTOMER_ID_WIDTH, AGENT_ID_WIDTH = 9, 7, 4
_OPTIONS = pcsv.WriteOptions(include_header=True, batch_size=1 << 16, quoting_style="none",
                             quoting_header="none")


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as a string array."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                          width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def call_ids(index: np.ndarray) -> pa.Array:
    """Call ids of potential calls (0-based index in time order)."""
    return ids("CALL-", index + 1, CALL_ID_WIDTH)


def customer_ids(index: np.ndarray) -> pa.Array:
    return ids("CUST-", index + 1, CUSTOMER_ID_WIDTH)


def agent_ids(index: np.ndarray) -> pa.Array:
    return ids("AGT-", index + 1, AGENT_ID_WIDTH)


def timestamps(start: dt.date, seconds: np.ndarray) -> pa.Array:
    """ISO timestamps for seconds counted from midnight of ``start``."""
    epoch = int(np.datetime64(start, "s").astype(np.int64))
    ts = pa.array(np.asarray(seconds, dtype=np.int64) + epoch, type=pa.timestamp("s"))
    return pc.replace_substring(pc.cast(ts, pa.string()), " ", "T", max_replacements=1)


def dates(start: dt.date, days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Dates for day numbers counted from ``start``."""
    epoch = int(np.datetime64(start, "D").astype(np.int64))
    values = np.asarray(days, dtype=np.int64) + epoch
    if missing is not None:
        values = np.where(missing, 0, values)
    return pa.array(values.astype(np.int32), type=pa.date32(), mask=missing)


def labels(names: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(names)).take(pa.array(np.asarray(index, dtype=np.int64)))


def money(cents: np.ndarray, zero: str | None = None) -> pa.Array:
    """Amounts in cents as ``units.cc`` strings; ``zero`` (when given) writes 0 that way."""
    cents = np.asarray(cents, dtype=np.int64)
    text = pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"), ".")
    if zero is None:
        return text
    return pc.if_else(pa.array(cents == 0), pa.scalar(zero), text)


def calls_table(world: World, state: CallState, rows: np.ndarray) -> pa.Table:
    """The calls-file table for the potential calls ``rows`` (indices, time order)."""
    pre, d = world.pre, world.draws
    n_transfers = state.transfers[rows]
    is_resolved = state.resolved[rows]
    anger = pre.anger[rows]
    flags = vocabulary.qa_flags()
    practices = {name: state.practices[name][rows] for name in flags}
    options = state.options[rows]
    score = csat_score(practices, options >= 2, is_resolved, n_transfers, anger, d.u_csat[rows])
    missing = d.qa_missing[rows]
    cols = {
        "call_id": call_ids(rows),
        "customer_id": customer_ids(world.customer[rows]),
        "agent_id": agent_ids(world.agent[rows]),
        "started_at": timestamps(world.period.start, world.start_abs_s[rows]),
        "channel": labels(vocabulary.CHANNELS, pre.channel[rows]),
        "issue_type": labels(fx.ISSUES, pre.issue[rows]),
        "anger_level": pa.array(anger),
        "wait_s": pa.array(pre.wait_s[rows]),
        "handle_s": pa.array(pre.handle_s[rows]),
        "hold_s": pa.array(hold_s(n_transfers, pre.handle_s[rows], d.base_hold_s[rows],
                                  d.hold_per_transfer_s[rows])),
        "transfers": pa.array(n_transfers),
        "resolved": pa.array(is_resolved),
    }
    for name in flags:
        cols[name] = pa.array(practices[name], mask=missing)
    cols["options_offered"] = pa.array(options)
    cols["csat"] = pa.array(score, mask=~d.csat_answered[rows])
    cols["compensation_value"] = money(state.compensation_cents[rows], zero="0")
    return pa.table(cols)


def write_calls(out_dir: Path, world: World, state: CallState, happened: np.ndarray
                ) -> dict[str, tuple[Path, int]]:
    """Write one calls file per month; return ``{label: (path, rows)}``.

    Stale ``calls_*.csv`` files in ``out_dir/calls`` are removed first.
    """
    folder = out_dir / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("calls_*.csv"):
        old.unlink()
    month_of_day, month_labels = world.period.file_month_of_day()
    rows = np.flatnonzero(happened)
    month = month_of_day[world.day[rows]]
    bounds = np.searchsorted(month, np.arange(len(month_labels) + 1))
    written = {}
    for m, label in enumerate(month_labels):
        part = rows[bounds[m]:bounds[m + 1]]
        path = folder / f"calls_{label}.csv"
        pcsv.write_csv(calls_table(world, state, part), path, _OPTIONS)
        written[label] = (path, len(part))
    return written


def write_customers(path: Path, world: World, churn_day: np.ndarray) -> int:
    c = world.customers
    n_days = world.period.n_days
    value = money(c.value_cents)
    table = pa.table({
        "customer_id": customer_ids(np.arange(c.n)),
        "signup_date": dates(world.period.start, c.signup_day),
        "plan": labels(fx.PLANS, c.plan),
        "monthly_value": value,
        "region": labels(fx.REGIONS, c.region),
        "churned_at": dates(world.period.start, np.minimum(churn_day, n_days), churn_day > n_days),
    })
    pcsv.write_csv(table, path, _OPTIONS)
    return c.n


def write_agents(path: Path, world: World) -> int:
    a = world.agents
    table = pa.table({
        "agent_id": agent_ids(np.arange(a.n)),
        "team": labels([t for _, t in fx.TEAMS], a.team),
        "site": labels([s for s, _ in fx.TEAMS], a.team),
        "hire_date": dates(world.period.start, a.hire_day),
    })
    pcsv.write_csv(table, path, _OPTIONS)
    return a.n


def write_follow_ups(path: Path, world: World, state: CallState, happened: np.ndarray) -> int:
    at = world.start_abs_s + state.followup_delay_s
    keep = np.flatnonzero(happened & state.followup_happens
                          & (at < world.period.n_days * 86400))
    keep = keep[np.lexsort((keep, at[keep]))]
    table = pa.table({
        "call_id": call_ids(keep),
        "followup_at": timestamps(world.period.start, at[keep]),
        "channel": labels(fx.FOLLOWUP_CHANNELS, world.followups.channel[keep]),
    })
    pcsv.write_csv(table, path, _OPTIONS)
    return len(keep)


def write_training(path: Path, world: World) -> int:
    day = world.training_day
    agent, module = np.nonzero(day < NEVER)
    done = day[agent, module]
    order = np.lexsort((module, agent, done))
    table = pa.table({
        "agent_id": agent_ids(agent[order]),
        "module": labels(world.training_modules, module[order]),
        "completed_at": dates(world.period.start, done[order]),
    })
    pcsv.write_csv(table, path, _OPTIONS)
    return len(order)


def append_rows(path: Path, table: pa.Table) -> None:
    """Append ``table`` (no header) to an existing CSV file."""
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    with open(path, "ab") as fh:
        fh.write(buf.getvalue())

