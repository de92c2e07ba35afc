"""The survival step's leaner ways give the numbers of the ways they replace, to the last digit:
the sorted way holds no frame of the calls through its fits (the models' times, churns and the
curves' 0/1 columns read from the time-sorted store, the agents as codes), the curves are
counted from the store's columns as they lie (``kaplan_meier.km_columns``), and the score and
Schoenfeld residuals' per-call vectors are made into fewer buffers (``cox._cluster_scores``,
``cox._ph_p_values``)."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest

from calmline.analysis import cox, cox_engine, cox_sorted, kaplan_meier, secondary
from tests.analysis.frames import PRACTICES
from tests.analysis.test_survival_landmark import immortal_time_population

ALL = PRACTICES + ["followed_up"]
KW = {"after_call": ["followed_up"], "landmark_days": 30}


def _by_design(df, monkeypatch, **kw):
    """The step's tables the design's way (the sorted store refused): a frame of the calls, the
    curves from a frame of their 0/1 columns, times and churns."""
    with monkeypatch.context() as m:
        m.setattr(secondary, "sorted_terms", lambda *a, **k: None)
        return secondary.survival(df, ALL, **kw)


@pytest.mark.parametrize("times", ["whole days", "fractional days", "integer days"])
def test_the_sorted_way_without_a_frame_gives_the_design_tables(monkeypatch, times):
    """Landmark times from the store (its floats less landmark_days) equal the frame's own
    ``time_days - landmark_days``: whole-day floats, fractional floats, and int64 days."""
    df = immortal_time_population(5000, seed=41)
    if times == "fractional days":
        df["time_days"] = df["time_days"] + np.random.default_rng(1).uniform(0, 1, len(df)).round(3)
    elif times == "integer days":
        df["time_days"] = df["time_days"].astype(np.int64)
    taken = []
    real = secondary._sorted_survival
    monkeypatch.setattr(secondary, "_sorted_survival", lambda *a, **k: taken.append(1) or real(*a, **k))
    rows, km = secondary.survival(df, ALL, **KW)
    assert taken  # the sorted way
    want_rows, want_km = _by_design(df, monkeypatch, **KW)
    assert rows.estimate.notna().all() and (rows.effect == "landmark").sum() == 1
    assert (km.practice == "followed_up").any() and km.day.min() == 0
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)


def test_times_the_store_cannot_shift_exactly_take_the_design_way(monkeypatch):
    """32-bit float times: their own ``time - landmark_days`` is a 32-bit subtraction, not the
    store's, so the step takes the design's way (and its tables)."""
    df = immortal_time_population(3000, seed=42)
    df["time_days"] = (df["time_days"] + 0.1).astype(np.float32)
    assert cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30) is None
    assert cox_sorted.sorted_terms(df, ALL, ["followed_up"], None) is not None  # no landmark: fine
    rows, km = secondary.survival(df, ALL, **KW)
    want_rows, want_km = _by_design(df, monkeypatch, **KW)
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)


def test_curves_from_columns_in_store_order_equal_the_frame_curves():
    """The curves are counts per time: the store's time-sorted columns (bytes) give the frame's
    curves exactly, and a missing value leaves its call out of that practice's curves as before."""
    df = immortal_time_population(4000, seed=43)
    terms = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    frame = df[PRACTICES].astype(np.int8).assign(time_days=df["time_days"].astype(float),
                                                 event=df["event"].astype(float))
    want = kaplan_meier.km_curves(frame, PRACTICES)
    got = kaplan_meier.km_columns(terms.t, terms.e, {p: terms.column(p) for p in PRACTICES})
    assert terms.column(PRACTICES[0]).dtype == np.int8 and not np.array_equal(terms.order, np.arange(len(df)))
    assert terms.t.dtype == np.int32  # whole days kept as integers: counted as they are
    pdt.assert_frame_equal(got, want, check_exact=True)
    holes = frame[PRACTICES[:2]].astype(float)
    holes.iloc[::7, 0] = np.nan
    want = kaplan_meier.km_curves(holes.assign(time_days=frame.time_days, event=frame.event), PRACTICES[:2])
    got = kaplan_meier.km_columns(frame.time_days.to_numpy(), frame.event.to_numpy(),
                                  {p: holes[p].to_numpy() for p in PRACTICES[:2]})
    pdt.assert_frame_equal(got, want, check_exact=True)
    with pytest.raises(ValueError, match="0 or 1"):
        kaplan_meier.km_columns(frame.time_days.to_numpy(), frame.event.to_numpy(),
                                {"x": np.full(len(frame), 2.0)})


def _residuals_as_before(X, e, parts, codes, dense=True):
    """``cox._cluster_scores`` as session 15 wrote it (each per-time piece repeated into a vector
    of its own, the sums of every call at once): the reference the block-by-block sums and fewer
    buffers must equal to the last digit."""
    sizes, w = parts["sizes"], parts["w"]
    alpha = np.repeat(parts["H"], sizes)
    alpha *= -w
    alpha += e
    tied = np.repeat(parts["h_tied"], sizes)
    tied *= w
    tied *= e
    alpha += tied
    n_groups = int(codes.max()) + 1
    cells = n_groups * len(sizes)
    cell = np.repeat(np.arange(len(sizes)), sizes)
    cell += codes * len(sizes)

    def by_group_and_time(v):
        if not dense:
            at = np.repeat(np.arange(len(sizes)), sizes)
            return cox.sparse.csr_matrix((v, (codes, at)), shape=(n_groups, len(sizes)))
        return np.bincount(cell, weights=v, minlength=cells).reshape(n_groups, len(sizes))
    work = np.empty(len(e))
    sums = np.column_stack([np.bincount(codes, weights=np.multiply(alpha, x, out=work), minlength=n_groups)
                            for x in cox_engine.terms_of(X).columns()])
    sums -= by_group_and_time(e) @ parts["mbar"]
    sums += by_group_and_time(w) @ parts["G"]
    sums -= by_group_and_time(w * e) @ parts["g_tied"]
    return sums, sums.sum(axis=0)


@pytest.mark.parametrize("dense", [True, False])
def test_score_and_schoenfeld_residuals_equal_the_vector_per_piece_arithmetic(monkeypatch, dense):
    """Also across blocks of calls (CELL_ROWS made small): a cell's calls in several blocks."""
    monkeypatch.setattr(cox, "CELL_ROWS", 1000)
    monkeypatch.setattr(cox, "_dense_cells", lambda cells, n: dense)
    rng = np.random.default_rng(44)
    n, k = 6000, 4
    X = rng.normal(size=(n, k))
    t = rng.integers(0, 60, n).astype(float)  # many ties: Efron's corrections matter
    e = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    order = cox_engine.sort_order(t, e)
    X, t, e = np.asfortranarray(X[order] - X.mean(axis=0)), t[order], e[order]
    codes = rng.integers(0, 70, n).astype(np.int32)
    rs = cox_engine.risk_sets(t, e)
    fit = cox_engine.newton(X, e, rs)
    parts = cox._residual_parts(fit["parts"], rs)
    got, total = cox._cluster_scores(X, e, dict(parts), codes)  # (it takes the weights out)
    want, want_total = _residuals_as_before(X, e, parts, codes, dense)
    assert np.array_equal(got, want) and np.array_equal(total, want_total)
    assert np.abs(total).max() < 1e-6  # the score at the maximum
    cov = np.linalg.inv(fit["information"])
    # the test's g, e (1 - KM before), made in its own vectors as before
    at_risk = parts["sizes"][::-1].cumsum()[::-1]
    km_before = np.concatenate([[1.0], np.cumprod(1 - parts["deaths"] / at_risk)[:-1]])
    g = e * (1 - np.repeat(km_before, parts["sizes"]))
    g[e == 1] -= g[e == 1].mean()
    g_r = cox_engine.rmatvec(g, X) - np.add.reduceat(g, parts["starts"]) @ parts["mbar"]
    test = e.sum() * g_r @ cov
    from scipy import stats
    want_ph = stats.chi2.sf(test ** 2 / (np.diag(cov) * e.sum() * (g @ g)), 1)
    assert np.array_equal(cox._ph_p_values(X, e, parts, cov), want_ph)


def test_level_columns_kept_as_codes_read_as_their_bytes(monkeypatch):
    """A block of level columns is one byte a call (its codes), written into blocks from a table
    by code: the same floats as its 0/1 bytes less their means, so the same tables exactly."""
    df = immortal_time_population(4000, seed=45)
    terms = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    levels = [n for n in terms.names if terms._where[n][0].ndim == 1]
    assert len(levels) >= 3  # the level blocks' columns are codes
    with monkeypatch.context() as m:
        m.setattr(cox_sorted, "_level_codes", lambda block: None)
        as_bytes = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    assert as_bytes.names == terms.names and not any(as_bytes._where[n][0].ndim == 1 for n in levels)
    assert np.array_equal(terms.X, as_bytes.X)
    for first in (0, 1234):  # all rows, and a landmark's (from a row not on a byte boundary)
        parts = [[t._where[n] for n in t.names] for t in (terms, as_bytes)]
        plain = [cox_sorted.ByteTerms(p, first) for p in parts]
        means = [plain[1].mean(j) for j in range(len(terms.names))]
        assert [plain[0].mean(j) for j in range(len(terms.names))] == means
        for a, b in ((cox_sorted.ByteTerms(parts[0], first, means), cox_sorted.ByteTerms(parts[1], first, means)),
                     tuple(plain)):
            for lo in range(0, len(a), cox_engine.CHUNK):
                assert np.array_equal(a.rows(lo, lo + cox_engine.CHUNK), b.rows(lo, lo + cox_engine.CHUNK))
            assert all(np.array_equal(x, y) for x, y in zip(a.columns(), b.columns()))
            assert all(np.array_equal(x, y) for x, y in zip(a.ranges(), b.ranges()))
    rows, km = secondary.survival(df, ALL, **KW)
    monkeypatch.setattr(cox_sorted, "_level_codes", lambda block: None)
    want_rows, want_km = secondary.survival(df, ALL, **KW)
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)


def test_a_block_that_is_not_one_level_a_row_keeps_its_bytes():
    one_hot = np.array([[0, 1], [1, 0], [0, 0]], dtype=np.int8)
    assert np.array_equal(cox_sorted._level_codes(one_hot), [1, 0, -1])
    assert cox_sorted._level_codes(np.array([[1, 1], [0, 0]], dtype=np.int8)) is None
    assert cox_sorted._level_codes(np.array([[2, 0], [0, 0]], dtype=np.int8)) is None


def test_newton_without_a_step_hands_back_the_weights_of_its_point(monkeypatch):
    """Newton drops a point's weights once its information is made; when no step is taken (no
    halving raises the likelihood) they are made again: the same numbers as evaluate's."""
    rng = np.random.default_rng(46)
    n = 3000
    X = rng.normal(size=(n, 3))
    t = rng.integers(0, 50, n).astype(float)
    e = (rng.random(n) < 0.3).astype(float)
    order = cox_engine.sort_order(t, e)
    X, t, e = np.asfortranarray(X[order] - X.mean(axis=0)), t[order], e[order]
    rs = cox_engine.risk_sets(t, e)
    monkeypatch.setattr(cox_engine, "MAX_HALVINGS", 0)  # every step refused
    start = np.array([0.1, -0.2, 0.05])
    fit = cox_engine.newton(X, e, rs, start=start)
    want = cox_engine.evaluate(X, e, rs, start, cox_engine.column_ranges(X))
    assert not fit["converged"] and np.array_equal(fit["beta"], start)
    assert np.array_equal(fit["parts"]["w"], want["w"]) and fit["loglik"] == want["loglik"]
    assert np.array_equal(fit["information"], cox_engine.information(X, e, rs, want))


def test_row_times_are_the_repeated_time_index_of_a_block():
    rng = np.random.default_rng(47)
    for _ in range(200):
        n = int(rng.integers(1, 300))
        t = np.sort(rng.integers(0, int(rng.integers(1, 40)), n))
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        every = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
        for a, b in ((0, n), (n, n), *(sorted(rng.integers(0, n + 1, 2)) for _ in range(4))):
            assert np.array_equal(cox_engine.row_times(starts, int(a), int(b)), every[a:b])
