"""The design held compactly (#12: 10M upset calls in 4 GB): its 0/1 columns a byte a value
(:class:`CompactMatrix`), read as the float matrix would be. Every read gives the float matrix's
values exactly; a whole fit on a compact design stores the same numbers as on the float one (the
products summed by blocks of rows: the same to rounding) and never gathers the design whole."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import compact_matrix, design, effects, gathered, runner
from calmline.analysis.compact_matrix import CompactMatrix

TABLES = ("practice_effects", "practice_balance", "practice_sensitivity", "dose_response",
          "effect_heterogeneity", "km_curves", "training_priorities", "agent_adoption", "agent_coaching",
          "training_impact", "dispute_effects")


def _matrix(n=500, seed=4):
    """A float matrix with 0/1 columns and real ones interleaved, and its compact form."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 2, n), np.ones(n), rng.normal(size=n), rng.integers(0, 2, n),
                         rng.integers(0, 2, n), rng.gamma(2, size=n), rng.integers(0, 2, n)]).astype(float)
    m = CompactMatrix.of_columns(n, [compact_matrix.zero_one(X[:, j]) for j in range(X.shape[1])])
    for j in range(X.shape[1]):
        m.write_column(j, X[:, j])
    return X, m


def test_zero_one_columns_are_bytes_and_the_rest_floats():
    X, m = _matrix()
    assert [m.is_byte(j) for j in range(X.shape[1])] == [True, True, False, True, True, False, True]
    assert m.nbytes == X.shape[0] * (5 + 2 * 8)  # five byte columns, two float ones


def test_every_read_gives_the_float_matrix_values():
    X, m = _matrix()
    rows = np.array([7, 3, 499, 0, 3])
    mask = np.arange(len(X)) % 3 == 0
    np.testing.assert_array_equal(m[10:40], X[10:40])
    np.testing.assert_array_equal(m[rows], X[rows])
    np.testing.assert_array_equal(m.take(rows, axis=0), X.take(rows, axis=0))
    np.testing.assert_array_equal(m[mask], X[mask])
    np.testing.assert_array_equal(m[:, 2], X[:, 2])
    np.testing.assert_array_equal(m[rows, 4], X[rows, 4])
    np.testing.assert_array_equal(m[np.ix_(rows, [6, 0, 2])], X[np.ix_(rows, [6, 0, 2])])
    view = m[:, [5, 0, 1]]
    assert isinstance(view, CompactMatrix) and view.stores is m.stores  # no copy
    np.testing.assert_array_equal(view[rows], X[:, [5, 0, 1]][rows])
    np.testing.assert_array_equal(m[:, 3:][20:25], X[:, 3:][20:25])
    np.testing.assert_array_equal(m.ranges(), np.ptp(X, axis=0))
    np.testing.assert_array_equal(m.ranges(rows), np.ptp(X[rows], axis=0))


def test_a_gathered_read_of_it_matches_the_arrays():
    X, m = _matrix()
    rows, extra = np.arange(3, 400, 2), np.linspace(0, 1, 199)
    g, ref = gathered.Gathered(m, rows, [4, 2, 0], extra), np.column_stack([X[rows][:, [4, 2, 0]], extra])
    np.testing.assert_array_equal(g.gathered(), ref)
    np.testing.assert_array_equal(g.column(1), ref[:, 1])
    v = np.arange(4.0)
    np.testing.assert_allclose(gathered.product(g, v), ref @ v, rtol=1e-15)


def test_gathering_it_whole_is_counted_and_refused_when_strict(monkeypatch):
    _, m = _matrix()
    before = compact_matrix.WHOLE_READS
    np.asarray(m)
    assert compact_matrix.WHOLE_READS == before + 1
    monkeypatch.setattr(compact_matrix, "STRICT", True)
    with pytest.raises(RuntimeError, match="read whole"):
        np.asarray(m) @ np.ones(m.shape[1])


def _population(n=2_000, seed=11):
    rng = np.random.default_rng(seed)
    practices = list(vocabulary.practice_names())
    df = pd.DataFrame({p: rng.integers(0, 2, n) for p in practices})
    df["anger_level"] = rng.integers(3, 6, n)
    for col, levels in (("issue_type", ["billing", "outage", "other"]), ("channel", ["phone", "chat"]),
                        ("plan", ["basic", "plus"]), ("region", ["north", "south", "east"])):
        df[col] = rng.choice(levels, n)
    df["call_month"] = pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D")
    df["wait_s"] = np.where(rng.random(n) < 0.05, np.nan, rng.gamma(2, 60, n))
    df["tenure_days"] = rng.integers(10, 3000, n)
    df["monthly_value"] = rng.gamma(3, 20, n)
    df["minutes_since_prev_upset"] = rng.gamma(2, 10, n)
    df["prior_upset_calls_90d"] = rng.integers(0, 5, n)
    df["repeat_contact_30d"] = rng.integers(0, 2, n)
    return df, practices


def test_a_compact_design_holds_the_float_design_values():
    df, practices = _population()
    floats, small = design.build(df, practices, compact=False), design.build(df, practices, compact=True)
    assert isinstance(small.combined, CompactMatrix) and small.combined.nbytes < floats.combined.nbytes / 4
    assert small.covariate_names == floats.covariate_names and small.practice_names == floats.practice_names
    np.testing.assert_array_equal(small.combined[0:len(df)], floats.combined)
    dropped = [p for p in practices[:2]]
    for a, b in ((small.dropping(dropped), floats.dropping(dropped)),
                 (small.without(practices[4]), floats.without(practices[4]))):
        assert a.practice_names == b.practice_names
        X, names = a.matrix()
        Y, names_b = b.matrix()
        assert isinstance(X, gathered.Gathered) and names == names_b
        np.testing.assert_array_equal(X.gathered(), Y)
    mask = df["channel"].to_numpy() == "chat"
    a, b = small.subset(mask), floats.subset(mask)
    np.testing.assert_array_equal(np.asarray(a.covariates), b.covariates)


def _tables(db) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = con.sql("SELECT max(run_id) FROM model_runs").fetchall()[0][0]
        return {t: con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = ? ORDER BY ALL", [run]).df()
                for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_fits(sample_db, fitted_sample_db, tmp_path_factory):
    """The bundled sample as `calmline fit` stores it (its design small: held as floats), and fitted
    with its design held compactly (read-only, never gathered whole)."""
    db = tmp_path_factory.mktemp("compact") / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    built = []
    with pytest.MonkeyPatch.context() as patch:
        build = runner.build

        def compact_read_only(*args, **kwargs):
            made = build(*args, **kwargs)
            for store in made.combined.stores:
                store.flags.writeable = False  # a family writing into the shared design raises
            built.append(made)
            return made

        patch.setattr(design, "COMPACT_ABOVE_BYTES", -1)
        patch.setattr(compact_matrix, "STRICT", True)
        patch.setattr(runner, "build", compact_read_only)
        runner.fit(db, list(vocabulary.practice_names()), lanes=1)
    assert built and all(isinstance(d.combined, CompactMatrix) for d in built)
    return {"floats": _tables(fitted_sample_db), "compact": _tables(db)}


@pytest.mark.parametrize("table", TABLES)
def test_a_fit_on_the_compact_design_stores_the_same_numbers(two_fits, table):
    a, b = two_fits["floats"][table], two_fits["compact"][table]
    assert len(a) and list(a.columns) == list(b.columns) and len(a) == len(b)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


def test_the_direct_model_on_calls_with_a_resolution_reads_the_compact_design(monkeypatch):
    """Some calls without a recorded resolution: the direct-effect model's rows of a compact design
    are read from it (never gathered whole), with the estimates of the float design's copy."""
    df, practices = _population(3_000, seed=5)
    rng = np.random.default_rng(6)
    df["agent_id"] = rng.choice([f"a{k}" for k in range(40)], len(df))
    df["churned_90d"] = rng.random(len(df)) < 0.2 + 0.1 * df[practices[0]]
    df["resolved"] = np.where(rng.random(len(df)) < 0.1, np.nan, rng.integers(0, 2, len(df)))
    after = [p.name for p in vocabulary.PRACTICES if p.after_call]
    tables = {}
    for compact in (False, True):
        built = design.build(df, practices, compact=compact)
        monkeypatch.setattr(compact_matrix, "STRICT", compact)
        tables[compact], _, _ = effects.practice_effects(df, practices, "churned_90d", built, after_call=after)
    direct = tables[True][tables[True]["effect"] == "direct"]
    assert direct["estimate"].notna().sum() >= 5
    pd.testing.assert_frame_equal(tables[False], tables[True], check_exact=False, rtol=1e-9, atol=1e-12)


def test_building_a_design_leaves_the_frame_as_it_was():
    """The numeric covariates are transformed in place in a copy of their own: the frame the models
    share is never written (with missing values, filled with the median in the copy)."""
    df, practices = _population(1_500, seed=8)
    df.loc[::7, "monthly_value"] = np.nan
    before = df.copy(deep=True)
    for compact in (False, True):
        built = design.build(df, practices, compact=compact)
        assert "monthly_value_10_missing" in built.covariate_names
        pd.testing.assert_frame_equal(df, before)
    j = built.covariate_names.index("log_wait_min")
    wait = df["wait_s"].to_numpy()
    expected = np.log1p(np.clip(np.where(np.isnan(wait), np.nanmedian(wait), wait), 0, None) / 60)
    np.testing.assert_array_equal(built.covariates[:, j], expected)
