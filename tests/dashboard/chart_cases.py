"""Hand-made frames that reach the overview charts' less common branches, shared by the figure tests:
months with few calls and one provisional, churn after calm calls; teams without the closed counts
(no interval) and with them, one team small."""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTHS = pd.date_range("2025-01-01", periods=5, freq="MS")


def monthly_rates() -> pd.DataFrame:
    """Rows as ``overview_numbers`` gives the churn and KPI trends."""
    return pd.DataFrame({
        "month": MONTHS, "upset_calls": [900, 80, 700, 650, 600], "upset_closed_90d": [900, 80, 700, 650, 200],
        "churn_upset": [0.2, 0.25, 0.18, 0.22, 0.3], "churn_ci_low": [0.17, 0.16, 0.15, 0.19, 0.24],
        "churn_ci_high": [0.23, 0.36, 0.21, 0.25, 0.37], "provisional": [False, False, False, False, True],
        "churn_calm": [0.1, np.nan, 0.12, 0.11, 0.1], "calm_closed_90d": [3000, 10, 2000, 2100, 500],
        "fcr": [0.7, 0.6, np.nan, 0.72, 0.7], "repeat_rate": [0.1, 0.2, 0.1, 0.1, np.nan],
        "handle_min": [7.5, 8.0, 7.1, 6.9, 7.0], "csat": [3.9, 4.1, 4.0, np.nan, 4.2],
        "resolved_known": [900, 80, 700, 650, 600], "repeat_closed_30d": [900, 80, 700, 650, 0],
        "handled": [900, 80, 700, 650, 600], "csat_scored": [300, 20, 250, 0, 200]})


def team_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Teams without the closed counts, and the same teams with them."""
    plain = pd.DataFrame({"team": ["a", "b&c"], "upset_calls": [10, 500], "churn_upset": [0.2, 0.1]})
    return plain, plain.assign(closed_90d=[8, 400], churned_90d=[2, 40])
