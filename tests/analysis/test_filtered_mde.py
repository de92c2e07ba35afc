"""The minimum detectable effects of a filter's estimate (and of the fit) come from a power function
that is statsmodels' ``normal_power_het`` computed without ``scipy.stats``' per-call overhead: it
must give the very same floats, so every MDE shown stays the same number."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.power import normal_power_het

from calmline.analysis import power
from calmline.analysis.power import mde_risk_difference, normal_power_two_sided


def test_power_is_statsmodels_float_for_float():
    """Reference: statsmodels.stats.power.normal_power_het(diff, nobs, alpha, std_null=s,
    std_alternative=s), two-sided, on 300 seeded draws of the arguments the MDE search passes."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        diff, nobs = rng.uniform(0, 0.6), int(rng.integers(1, 500_000))
        alpha, std = float(rng.choice([0.01, 0.05, 0.1])), rng.uniform(0.005, 4.0)
        expected = float(normal_power_het(diff, nobs, alpha, std_null=std, std_alternative=std))
        assert normal_power_two_sided(diff, nobs, alpha, std) == expected


@pytest.mark.parametrize(("n_with", "n_without", "base_rate", "deff"), [
    (500, 500, 0.20, 1.0), (2_000, 8_000, 0.15, 1.7), (30_000, 137_000, 0.21, 0.93), (40, 60, 0.5, 2.5)])
def test_mde_unchanged(monkeypatch, n_with, n_without, base_rate, deff):
    """The MDE root with the fast power equals the root with statsmodels' own function (exactly)."""
    fast = mde_risk_difference(n_with, n_without, base_rate, design_effect=deff)
    monkeypatch.setattr(power, "normal_power_two_sided", lambda d, n, a, s: float(
        normal_power_het(d, n, a, std_null=s, std_alternative=s)))
    assert fast == mde_risk_difference(n_with, n_without, base_rate, design_effect=deff)
