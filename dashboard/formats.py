"""Number formats used everywhere in the app: one place, so every page reads the same way."""

from __future__ import annotations

import math


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def count(x) -> str:
    """12,345"""
    return "–" if _missing(x) else f"{int(x):,}"


def percent(x, digits: int = 1) -> str:
    """0.1234 -> 12.3%"""
    return "–" if _missing(x) else f"{100 * x:.{digits}f}%"


def points(x, digits: int = 1) -> str:
    """A risk difference -0.023 -> -2.3 pp"""
    return "–" if _missing(x) else f"{100 * x:+.{digits}f} pp"
