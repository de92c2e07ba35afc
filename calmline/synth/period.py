"""The calendar of a synthetic world: days are counted from ``start`` (day 0).

Calls happen on days ``0 .. n_days - 1``; ``as_of`` is day ``n_days``
(``start`` plus ``months`` calendar months), the last day any file mentions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` moved by ``months`` calendar months (clipped to month end)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """The covered period and per-day calendar facts."""

    start: dt.date
    months: int

    @property
    def as_of(self) -> dt.date:
        return add_months(self.start, self.months)

    @property
    def n_days(self) -> int:
        return (self.as_of - self.start).days

    @property
    def start64(self) -> np.datetime64:
        return np.datetime64(self.start, "D")

    def day_dates(self, extra: int = 0) -> np.ndarray:
        """Dates (datetime64[D]) of days ``0 .. n_days - 1 + extra``."""
        return self.start64 + np.arange(self.n_days + extra)

    def month_of_day(self) -> np.ndarray:
        """Calendar month index 0..11 of each day."""
        return (self.day_dates().astype("datetime64[M]").astype(np.int64) % 12).astype(np.int8)

    def weekday_of_day(self) -> np.ndarray:
        """Weekday 0 = Monday .. 6 = Sunday of each day."""
        return ((self.day_dates().astype(np.int64) + 3) % 7).astype(np.int8)

    def file_month_of_day(self) -> tuple[np.ndarray, list[str]]:
        """Per day, the index of its calls file (calendar month); and the files' YYYY-MM labels."""
        months = self.day_dates().astype("datetime64[M]")
        first = months[0].astype(np.int64)
        index = (months.astype(np.int64) - first).astype(np.int32)
        labels = [str(m) for m in np.arange(months[0], months[-1] + 1)]
        return index, labels
