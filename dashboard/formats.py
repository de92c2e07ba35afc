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


def rate_of(k, n, unit: str = "calls") -> str:
    """A rate with its n: (77, 519) -> "14.8% (77 of 519 calls)"; "–" when n is 0 or missing."""
    if is_missing(n) or not n:
        return MISSING
    return f"{percent(float(k) / float(n))} ({count(k)} of {count(n)} {unit})"


def interval_points(low, high, digits: int = 1) -> str:
    """A 95% interval of a difference in points: (-0.0375, 0.0466) -> "95% CI -3.8 to +4.7 points"."""
    if is_missing(low) or is_missing(high):
        return ""
    lo, hi = (points(v, digits).replace(" pp", "") for v in (low, high))
    return f"95% CI {lo} to {hi} points"


def money(value) -> str:
    """A monthly value in the data's currency, whole units with thousands separators: 20751.46 -> "20,751"."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.0f}"


def p_value(value) -> str:
    """A p-value as people read it: "p = 0.84", "p < 0.001"."""
    if is_missing(value):
        return ""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}" if value < 0.01 else f"p = {value:.2f}"
