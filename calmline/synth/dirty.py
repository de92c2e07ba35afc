"""Deliberately broken call rows, for testing the ETL's validation.

``dirty_rows`` extra rows are appended to the calls files. Each is a copy of a
real call (new ``call_id``) with exactly one field broken, cycling through
these kinds:

- ``anger_out_of_range``: anger_level 0 or 7
- ``negative_handle_s``: handle_s negative
- ``unknown_channel``: channel ``fax``
- ``bad_started_at``: an impossible date such as ``2025-13-45T10:12:00``
- ``unknown_customer_id``: a customer_id not in customers.csv
- ``anger_not_a_number``: anger_level ``high``

They are written after the clean rows of the month file of the call they
copy. They are not part of the simulated world: no churn, follow-up or ground
truth number depends on them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .world import CallState, World
from .write import CALL_ID_WIDTH, CUSTOMER_ID_WIDTH, calls_table

KINDS = [
    ("anger_out_of_range", "anger_level"),
    ("negative_handle_s", "handle_s"),
    ("unknown_channel", "channel"),
    ("bad_started_at", "started_at"),
    ("unknown_customer_id", "customer_id"),
    ("anger_not_a_number", "anger_level"),
]


def dirty_rows(rng: np.random.Generator, n: int, world: World, state: CallState,
               happened: np.ndarray) -> tuple[dict[str, pa.Table], list[dict]]:
    """Build ``n`` broken copies of real calls.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"dirty"`` stream (separate, so dirty rows never move the world).
    n : int
        How many rows.
    world, state : World, CallState
        The world as written.
    happened : numpy.ndarray
        Bool per potential call: it is in the calls files.

    Returns
    -------
    tables : dict of str to pyarrow.Table
        Month label -> all-string rows to append to that month's file.
    records : list of dict
        One record per row: call_id, kind, column, value, copied_from, file.
    """
    rows = np.flatnonzero(happened)
    if n <= 0 or len(rows) == 0:
        return {}, []
    source = rng.choice(rows, size=n, replace=n > len(rows))
    kinds = rng.permutation(np.arange(n) % len(KINDS))
    angers = rng.choice([0, 7], size=n)
    table = calls_table(world, state, source)
    cols = {name: table[name].cast(pa.string()).to_pylist() for name in table.column_names}
    copied_from = list(cols["call_id"])
    month_of_day, labels = world.period.file_month_of_day()
    month = month_of_day[world.day[source]]
    records = []
    for k in range(n):
        kind, column = KINDS[kinds[k]]
        cols["call_id"][k] = f"CALL-{world.n_calls + 1 + k:0{CALL_ID_WIDTH}d}"
        if kind == "anger_out_of_range":
            value = str(angers[k])
        elif kind == "negative_handle_s":
            value = f"-{cols['handle_s'][k]}"
        elif kind == "unknown_channel":
            value = "fax"
        elif kind == "bad_started_at":
            stamp = cols["started_at"][k]
            value = f"{stamp[:4]}-13-45{stamp[10:]}"
        elif kind == "unknown_customer_id":
            value = f"CUST-{world.customers.n + 1 + k:0{CUSTOMER_ID_WIDTH}d}"
        else:
            value = "high"
        cols[column][k] = value
        records.append({"call_id": cols["call_id"][k], "kind": kind, "column": column,
                        "value": value, "copied_from": copied_from[k],
                        "file": f"calls/calls_{labels[month[k]]}.csv"})
    strings = pa.table({name: pa.array(values, type=pa.string()) for name, values in cols.items()})
    tables = {}
    for m in np.unique(month):
        tables[labels[m]] = strings.filter(pa.array(month == m))
    return tables, records
