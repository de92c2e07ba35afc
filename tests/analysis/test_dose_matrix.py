"""A dose factor's design written once into its matrix (``dose._factor_matrix``): the matrix and
names the dose-response built before from ``whole.subset(rows).varying().dropping(...)`` and a
column_stack of practices, covariates and level dummies, for all calls and for a landmark."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis.design import build
from calmline.analysis.dose import _factor_matrix
from tests.analysis.frames import PRACTICES, population


@pytest.mark.parametrize("landmark", [False, True])
@pytest.mark.parametrize("skip", [[], ["short_break"]])
def test_the_matrix_of_the_old_path(landmark, skip):
    df = population(2000, seed=14)
    df["followed_up"] = (np.arange(len(df)) % 3 == 0)
    whole = build(df, PRACTICES + ["followed_up"]).varying()
    rows = (df["anger_level"] == 3).to_numpy() if landmark else None
    # on the landmark rows, a covariate constant there (issue_type 'outage' absent) must be left out
    if landmark:
        df.loc[rows, "issue_type"] = "billing"
        whole = build(df, PRACTICES + ["followed_up"]).varying()
    full = whole.subset(rows).varying() if landmark else whole
    design = full.dropping(["followed_up", "thanked"])
    keep = [i for i, nm in enumerate(design.covariate_names) if nm not in skip]
    level = (np.arange(len(df)) % 4 == 1)[rows] if landmark else (np.arange(len(df)) % 4 == 1)
    old = np.column_stack([design.practices, design.covariates[:, keep], level.astype(float)])
    old_names = design.practice_names + [design.covariate_names[i] for i in keep] + ["f[1]"]
    X, names = _factor_matrix(whole, rows, ["followed_up", "thanked"], skip, [level], ["f[1]"])
    assert names == old_names
    assert np.array_equal(X, old)
    if landmark:
        assert not any(nm.startswith("anger[") for nm in names)  # constant on the landmark rows


def test_a_heterogeneity_cell_is_the_subset_of_its_rows_over_several_blocks():
    """A cell of the heterogeneity (an anger level's calls, more than one block of rows): the
    matrix and names of ``full.subset(mask).varying().matrix()``, the level's own anger columns
    and a practice used on every call of the cell left out."""
    df = population(30_000, seed=15)
    mask = (df["anger_level"] == 4).to_numpy()
    df.loc[mask, "thanked"] = True  # no variation within the cell
    full = build(df, PRACTICES)
    old, old_names = full.subset(mask).varying().matrix()
    X, names = _factor_matrix(full, mask, [], [], [], [])
    assert mask.sum() > 8_192 and "thanked" not in names
    assert names == old_names
    assert np.array_equal(X, old)
