"""Benjamini-Hochberg q-values against R's p.adjust and statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from calmline.analysis.multiplicity import bh_qvalues

# Benjamini & Hochberg (1995), JRSS B 57(1):289-300, worked example: the 15 p-values of
# Neuhaus et al. (1992); the paper's procedure at q* = 0.05 rejects the four smallest.
BH1995_P = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
            0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_matches_r_p_adjust_on_the_bh1995_example():
    """R 4.2.2, run for this test:

    > options(digits = 15)
    > p.adjust(c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    +            0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000), "BH")
     [1] 0.0015000000000000 0.0030000000000000 0.0095000000000000 0.0356250000000000
     [5] 0.0603000000000000 0.0638571428571429 0.0638571428571429 0.0645000000000000
     [9] 0.0765000000000000 0.4860000000000000 0.5811818181818181 0.7148749999999999
    [13] 0.7532307692307693 0.8132142857142857 1.0000000000000000
    """
    r_output = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571428571429,
                0.0638571428571429, 0.0645, 0.0765, 0.486, 0.5811818181818181,
                0.7148749999999999, 0.7532307692307693, 0.8132142857142857, 1.0]
    q = bh_qvalues(BH1995_P)
    np.testing.assert_allclose(q, r_output, rtol=1e-12)
    # the paper's conclusion: four discoveries at FDR 0.05
    assert (q <= 0.05).sum() == 4


def test_matches_r_with_unsorted_input_and_na():
    """R 4.2.2, run for this test (NA is left out of the family, n = 6):

    > p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.20, 0.041), "BH")
    [1] 0.0300     NA 0.0492 0.0492 0.0300 0.2000 0.0492

    By hand: sorted 0.005, 0.01, 0.03, 0.04, 0.041, 0.20 times 6/i gives
    0.03, 0.03, 0.06, 0.06, 0.0492, 0.20; the running minimum from the top gives
    0.03, 0.03, 0.0492, 0.0492, 0.0492, 0.20.
    """
    q = bh_qvalues([0.01, None, 0.04, 0.03, 0.005, 0.20, 0.041])
    np.testing.assert_allclose(q, [0.03, np.nan, 0.0492, 0.0492, 0.03, 0.2, 0.0492],
                               rtol=1e-12)


def test_matches_r_multtest_values_kept_in_statsmodels_tests():
    """pval0 and its BH column from R's multtest::mt.rawp2adjp, as recorded in
    statsmodels/stats/tests/test_multi.py (res_multtest1, column 6); R 4.2.2's
    p.adjust(pval0, "BH") printed the same numbers with options(digits = 15)."""
    pval0 = [0.838541367553, 0.642193923795, 0.680845947633, 0.967833824309,
             0.71626938238, 0.177096952723, 5.23656777208e-05, 0.0202732688798,
             0.00028140506198, 0.0149877310796]
    r_bh = [0.9317126306144445, 0.8953367279750001, 0.8953367279750001, 0.96783382430900,
            0.8953367279750001, 0.354193905446, 0.000523656777208, 0.0506831721995,
            0.0014070253099, 0.0499591035986667]
    np.testing.assert_allclose(bh_qvalues(pval0), r_bh, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels_fdr_bh(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(size=20), rng.uniform(0, 0.01, size=5)])
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(bh_qvalues(p), expected, rtol=1e-12)


def test_missing_values_are_left_out_of_the_family():
    p = [0.01, np.nan, 0.02, None, 0.04]
    q = bh_qvalues(pd.Series(p, dtype=object))
    assert np.isnan(q[1]) and np.isnan(q[3])
    expected = multipletests([0.01, 0.02, 0.04], method="fdr_bh")[1]
    np.testing.assert_allclose(q[[0, 2, 4]], expected, rtol=1e-12)


def test_monotone_in_p_never_below_p_and_at_most_one():
    p = np.array([0.9, 0.5, 0.95, 0.001, 0.3, 0.8, 1.0, 0.02])
    q = bh_qvalues(p)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= 0)
    assert np.all(q <= 1.0) and np.all(q >= p - 1e-12)


def test_edge_inputs():
    assert bh_qvalues([]).shape == (0,)
    assert np.isnan(bh_qvalues([None, None])).all()
    assert bh_qvalues([0.03]).tolist() == [0.03]
    with pytest.raises(ValueError):
        bh_qvalues([0.5, 1.2])
    with pytest.raises(ValueError):
        bh_qvalues([[0.1, 0.2]])
