"""The overview's customer-level figures (the ``customer_headline`` query's row) from an index of the
upset calls each worker keeps in memory, instead of a group by over up to 776k upset calls a request.

A customer counts once when they had an upset call that passes the filters; what is said of them
depends on their last such call. The upset calls are held in customer and day order
(``upset_customer_index``: a customer number, the day, the month and the filter dimensions as
small codes), so a request marks the calls that pass the filters (one look-up per dimension set),
and each customer's last marked call is the marked call whose next marked call is another
customer's. The counts and sums are then taken over those calls: the same numbers as
``customer_headline`` (money summed in whole millionths, its ``DECIMAL(18, 6)``; tested on the
fitted sample for filter sets drawn at random). About 5 ms of CPU instead of 30-35 at 2M calls; the
index (about 20 MB at 2M calls) is read once per worker and database version, in the background
when ``CALMLINE_WARM=1``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calmline.dashboard import data
from calmline.database.connection import file_version

HORIZON_DAYS = 90
"""Days after a customer's last upset call in the period within which a churn counts as lost (the
``customer_headline`` query's rule)."""

DIMENSIONS = {"teams": "team", "sites": "site", "channels": "channel", "issues": "issue_type",
              "anger": "anger_level"}
"""Filter parameter -> the index's column of codes (and the dimensions query's list: the parameter's name)."""

_NEVER = np.iinfo(np.int64).max // 2
"""The churn day of a customer who has not churned: later than any day plus the horizon."""

COLUMNS = ["customers", "customers_closed", "customers_retained", "customers_lost", "value_lost",
           "value_unknown", "value_all", "valued", "as_of"]
"""The row's columns, as ``customer_headline`` names them."""


@dataclass(frozen=True)
class CustomerIndex:
    """The upset calls in customer and day order (arrays of one row per call: the customer, the day,
    the call's cell) and each customer's churn day and money (arrays of one row per customer); see
    ``upset_customer_index``. A call's cell numbers its codes of the filter dimensions and its
    month together (the month's place in ``months``, then the codes of :data:`DIMENSIONS` in
    order, the last varying fastest), so a filter is one look-up per call."""

    customer: np.ndarray
    day: np.ndarray
    months: np.ndarray
    cell: np.ndarray
    values: dict
    churn_day: np.ndarray
    money: np.ndarray
    valued: np.ndarray
    as_of: pd.Timestamp
    as_of_day: int


def read_index() -> CustomerIndex | None:
    """The index of the database the app serves (two queries; None when the database has no
    ``upset_customer_calls`` yet: the caller asks ``customer_headline`` then)."""
    calls = data.frame_once("upset_customer_index")
    dims = data.frame_once("upset_customer_dimensions")
    if calls.attrs.get("missing") or dims.attrs.get("missing") or dims.empty:
        return None
    customer = calls["customer_no"].to_numpy(np.int32)
    first = np.ones(len(customer), dtype=bool)  # the first call of each customer
    first[1:] = customer[1:] != customer[:-1]
    money = calls["money"].astype("Int64")
    valued = money.notna().to_numpy()[first]
    churn = calls["churn_day"].astype("Int64").to_numpy(dtype=np.int64, na_value=_NEVER)[first]
    row = dims.iloc[0]
    as_of = dims["as_of"].iloc[0]
    values = {p: list(row[p]) if row[p] is not None else [] for p in DIMENSIONS}
    months, cell = np.unique(calls["month"].to_numpy(np.int64), return_inverse=True)
    for param, column in DIMENSIONS.items():
        cell = cell * (len(values[param]) + 1) + calls[column].to_numpy(np.int64)
    return CustomerIndex(
        customer=customer, day=calls["day"].to_numpy(np.int32), months=months, cell=cell.astype(np.int32),
        values=values,
        churn_day=churn, money=money.to_numpy(dtype=np.int64, na_value=0)[first], valued=valued,
        as_of=as_of, as_of_day=None if pd.isna(as_of) else (pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days)


_held: dict = data.clears_with_caches({})
"""Per database path: (its file version, the index), the newest version read only (a new load
replaces the index instead of keeping one per version)."""
_reading = threading.Lock()


def _index() -> CustomerIndex | None:
    """The index of the database the app serves, read once per worker and database version (threads
    asking while it is read wait for that one read)."""
    return data.newest_read(_held, _reading, read_index, file_version)


def _allowed(index: CustomerIndex, param: str, chosen) -> np.ndarray:
    """Per code of dimension ``param``: whether a call with that value passes the filter ``chosen``
    (code 0, no value, never does, as ``list_contains`` of a NULL)."""
    wanted = set(chosen)
    return np.array([False, *(v in wanted for v in index.values[param])])


def _cells(index: CustomerIndex, params: dict) -> np.ndarray:
    """Per cell number: whether its calls pass the filters ``params`` (``in_filters`` and
    ``in_months``)."""
    first, last = _month_day(params.get("start"), True), _month_day(params.get("end"), False)
    keep = np.ones(len(index.months), dtype=bool)
    if first is not None:
        keep &= index.months >= first
    if last is not None:
        keep &= index.months <= last
    for param in DIMENSIONS:
        chosen = params.get(param)
        allowed = (_allowed(index, param, chosen) if chosen is not None
                   else np.array([True] * (len(index.values[param]) + 1)))
        keep = np.logical_and.outer(keep, allowed).reshape(-1)
    return keep


def _month_day(value, first: bool) -> int | None:
    """A period bound (``in_months``): the first bound's month's first day, the last bound's day, in
    days since 1970-01-01; None when open."""
    if value in (None, ""):
        return None
    day = pd.Timestamp(value)
    if first:
        day = day.to_period("M").to_timestamp()
    return (day.normalize() - pd.Timestamp("1970-01-01")).days


def customer_headline(params: dict) -> pd.DataFrame:
    """The ``customer_headline`` query's row for the filters ``params``, from the worker's index.

    Parameters
    ----------
    params : dict
        The global filters as bound parameters (:func:`calmline.dashboard.filters.params`).

    Returns
    -------
    pandas.DataFrame
        One row, the columns and types ``customer_headline`` gives: customers (with an upset call
        that passes the filters), customers_closed (90 days after their last such call have passed
        by the as-of date), customers_retained / customers_lost (of those, not churned / churned
        within the 90 days), value_lost (monthly value of the lost customers), value_unknown (lost
        customers without a value), value_all, valued (monthly value summed over all the customers /
        how many have one), as_of. When the database has no index yet: the query's own row.
    """
    index = _index()
    if index is None:
        return data.frame("customer_headline", **params)
    calls = np.flatnonzero(_cells(index, params)[index.cell])
    owners = index.customer[calls]
    ends = np.ones(len(calls), dtype=bool)  # each customer's last call that passes the filters
    ends[:-1] = owners[1:] != owners[:-1]
    last = calls[np.flatnonzero(ends)]  # (integer gathers: a boolean mask's is several times slower)
    customers = index.customer[last]
    last_day = index.day[last]
    closed = (last_day + HORIZON_DAYS <= index.as_of_day if index.as_of_day is not None
              else np.zeros(len(last_day), dtype=bool))  # no as-of date: no window is known to be closed
    lost = index.churn_day[customers] <= last_day + HORIZON_DAYS
    valued = index.valued[customers]
    money = index.money[customers]
    gone = closed & lost
    row = {
        "customers": len(customers), "customers_closed": int(closed.sum()),
        "customers_retained": int((closed & ~lost).sum()), "customers_lost": int(gone.sum()),
        "value_lost": _dollars(money, gone & valued), "value_unknown": int((gone & ~valued).sum()),
        "value_all": _dollars(money, valued), "valued": int(valued.sum()),
    }
    out = pd.DataFrame({k: np.array([v], dtype=np.float64 if k.startswith("value_") and k != "value_unknown"
                                     else np.int64) for k, v in row.items()})
    out["as_of"] = pd.Series([index.as_of]).astype("datetime64[us]")
    return out[COLUMNS]


def _dollars(millionths: np.ndarray, where: np.ndarray) -> float:
    """The sum of the values in millionths where ``where`` holds, as the query gives it: the exact
    decimal sum, cast to DOUBLE (a whole number of millionths below 2**53, divided by 10**6)."""
    return float(int(millionths.sum(dtype=np.int64, where=where))) / 1e6


def _warm() -> None:
    """Read the index in the background when ``CALMLINE_WARM=1`` (see :func:`data.warm`)."""
    _index()


data.warm(_warm)
