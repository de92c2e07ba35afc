"""Number formats used everywhere in the app, figures included: one place, so every page reads
the same way."""

from __future__ import annotations

import pandas as pd

MISSING = "–"


def is_missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def points(value, digits: int = 1) -> str:
    """A risk difference in probability units as signed percentage points: -0.023 -> "-2.3 pp"."""
    if is_missing(value):
        return MISSING
    pp = round(float(value) * 100, digits)
    return f"{pp:+.{digits}f} pp" if pp else f"{0:.{digits}f} pp"  # no "-0.0"


def percent(value, digits: int = 1) -> str:
    """A share in [0, 1] as percent: 0.452 -> "45.2%"."""
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f}%"


def count(value) -> str:
    """A count with thousands separators: 12345 -> "12,345"; small fractional counts keep a decimal."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if round(value, 1) == 0:
        value = 0.0  # no "-0.0"
    return f"{value:,.1f}" if value != round(value) and abs(value) < 10 else f"{value:,.0f}"
