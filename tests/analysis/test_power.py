"""Minimum detectable risk difference against statsmodels' power functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower, normal_power_het

from calmline.analysis.power import mde_risk_difference


def cohen_h_mde(n_with, n_without, base_rate, alpha=0.05, power=0.80):
    """The same MDE from statsmodels' NormalIndPower on Cohen's h (arcsine scale).

    h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)) (statsmodels' proportion_effectsize) is
    solved for the given n and mapped back to p1 = sin(asin(sqrt(p0)) + h / 2)^2 in
    the protective direction. Its variance is 1/n per arm whatever p, so it agrees
    with the unpooled-variance answer only approximately.
    """
    h = NormalIndPower().solve_power(effect_size=None, nobs1=n_with, alpha=alpha,
                                     power=power, ratio=n_without / n_with)
    p1 = math.sin(math.asin(math.sqrt(base_rate)) - h / 2) ** 2
    return base_rate - p1


@pytest.mark.parametrize(("n_with", "n_without", "base_rate", "rel_tol"), [
    (500, 500, 0.20, 0.01),       # balanced arms: within 1% of Cohen's h
    (50, 50, 0.50, 0.03),
    (2000, 8000, 0.15, 0.05),     # unbalanced: the two variance models part more
    (300, 3000, 0.30, 0.05),
    (10000, 40000, 0.10, 0.05),
])
def test_close_to_statsmodels_cohen_h(n_with, n_without, base_rate, rel_tol):
    mde = mde_risk_difference(n_with, n_without, base_rate)
    assert mde == pytest.approx(cohen_h_mde(n_with, n_without, base_rate), rel=rel_tol)


@pytest.mark.parametrize(("n_with", "n_without", "base_rate", "alpha", "power", "deff"), [
    (500, 500, 0.20, 0.05, 0.80, 1.0),
    (2000, 8000, 0.15, 0.05, 0.90, 1.0),
    (1000, 4000, 0.15, 0.01, 0.80, 2.5),
])
def test_solution_has_the_requested_power_by_statsmodels(n_with, n_without, base_rate,
                                                         alpha, power, deff):
    """At the returned MDE, statsmodels' normal_power_het with the same unpooled
    standard deviation (per observation of the 'with' arm) gives exactly the target power."""
    mde = mde_risk_difference(n_with, n_without, base_rate, alpha=alpha, power=power,
                              design_effect=deff)
    p0, p1 = base_rate, base_rate - mde
    std = math.sqrt(deff * (p1 * (1 - p1) + p0 * (1 - p0) * n_with / n_without))
    achieved = normal_power_het(-mde, n_with, alpha, std_null=std, std_alternative=std)
    assert achieved == pytest.approx(power, abs=1e-9)


def test_hand_formula_for_a_balanced_large_sample():
    """Ignoring the far tail (about 1e-6 of power here), m solves the fixed point
    m = (z_.975 + z_.80) * sqrt((p1 q1 + p0 q0) / n), p1 = p0 - m. By hand, p0 = 0.2,
    n = 20000 per arm, z = 1.959964 + 0.841621 = 2.801585:
    start p1 = 0.189: sqrt((0.153279 + 0.16) / 20000) = 0.0039578 -> m = 0.011088;
    p1 = 0.188912: sqrt((0.153224 + 0.16) / 20000) = 0.0039574 -> m = 0.011087.
    """
    mde = mde_risk_difference(20000, 20000, 0.2)
    assert mde == pytest.approx(0.011087, abs=1e-6)
    z = norm.isf(0.025) + norm.isf(0.2)
    p1 = 0.2 - mde
    assert mde == pytest.approx(z * math.sqrt((p1 * (1 - p1) + 0.16) / 20000), rel=1e-5)


def test_more_calls_detect_smaller_effects():
    sizes = [100, 300, 1000, 3000, 10000, 100000]
    mdes = [mde_risk_difference(n, n, 0.25) for n in sizes]
    assert all(a > b for a, b in zip(mdes, mdes[1:]))
    more_without = [mde_risk_difference(1000, n, 0.25) for n in sizes]
    assert all(a > b for a, b in zip(more_without, more_without[1:]))


def test_design_effect_equals_dividing_n():
    assert mde_risk_difference(4000, 6000, 0.2, design_effect=2.0) == pytest.approx(
        mde_risk_difference(2000, 3000, 0.2), rel=1e-9)
    assert mde_risk_difference(4000, 6000, 0.2, design_effect=2.0) > \
        mde_risk_difference(4000, 6000, 0.2)


def test_stricter_alpha_or_more_power_needs_a_bigger_effect():
    base = mde_risk_difference(1000, 1000, 0.2)
    assert mde_risk_difference(1000, 1000, 0.2, alpha=0.01) > base
    assert mde_risk_difference(1000, 1000, 0.2, power=0.9) > base


@pytest.mark.parametrize(("n_with", "n_without", "base_rate"), [
    (0, 1000, 0.2), (1000, 0, 0.2), (1000, 1000, 0.0), (1000, 1000, 1.0),
    (10, 10, 0.05),  # even removing all churn (0.05 -> 0) is not detectable with 10 calls
])
def test_none_when_nothing_can_be_detected(n_with, n_without, base_rate):
    assert mde_risk_difference(n_with, n_without, base_rate) is None


@pytest.mark.parametrize("kwargs", [
    {"n_with": -1, "n_without": 10, "base_rate": 0.2},
    {"n_with": 10, "n_without": 10, "base_rate": 1.2},
    {"n_with": 10, "n_without": 10, "base_rate": 0.2, "power": 0.01},
    {"n_with": 10, "n_without": 10, "base_rate": 0.2, "design_effect": 0},
])
def test_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        mde_risk_difference(**kwargs)


def test_returns_a_plain_positive_float():
    mde = mde_risk_difference(np.int64(800), np.int64(1200), np.float64(0.18))
    assert type(mde) is float and 0 < mde < 0.18
