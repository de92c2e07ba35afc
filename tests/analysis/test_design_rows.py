"""design.Rows reads the same values from a matrix whether or not it is C-contiguous.

A column slice of the design's matrix (``design.dropping(...)`` with two after-call practices gives
one) is not C-contiguous; ``ndarray.take`` copies such a matrix whole before gathering, on every
block, which made a 1M fit's landmark checks many times slower. The blocks must hold exactly
``matrix[np.ix_(rows, columns)]`` either way.
"""

import numpy as np

from calmline.analysis.design import Rows


def _matrix():
    rng = np.random.default_rng(5)
    return rng.normal(size=(500, 9))


def test_blocks_of_a_column_slice_equal_the_gathered_rows():
    whole = _matrix()
    sliced = whole[:, 2:]  # a view with gaps between its rows
    assert not sliced.flags.c_contiguous
    rows = np.flatnonzero(np.arange(500) % 3 != 0)
    for columns in ([0, 1, 2, 3, 4, 5, 6], [4, 0, 6]):
        expected = sliced[np.ix_(rows, columns)]
        got = Rows(sliced, rows, columns)
        blocks = np.vstack([got.block(a, a + 64) for a in range(0, len(rows), 64)])
        assert np.array_equal(blocks, expected)
        assert blocks.flags.c_contiguous


def test_blocks_of_a_contiguous_matrix_equal_the_gathered_rows():
    whole = _matrix()
    rows = np.array([3, 1, 400, 7])
    assert np.array_equal(Rows(whole, rows, [8, 2]).gathered(), whole[np.ix_(rows, [8, 2])])


def test_subset_matrix_of_a_design_whose_matrix_is_a_column_slice():
    """subset_matrix gathers from the design's matrix through the same gather as Rows: a design
    whose matrix is a view with gaps (dropping its first practice) gives the subset's values."""
    from calmline.analysis.design import Design, subset_matrix

    whole = _matrix()
    whole[:, 3] = 1.0  # the intercept
    design = Design(whole[:, 3:], [f"c{j}" for j in range(6)], whole[:, :3], ["a", "b", "c"], [], whole)
    dropped = design.dropping(["a"])
    assert dropped.combined is not None and not dropped.combined.flags.c_contiguous
    rows = np.arange(500) % 4 != 1
    got = subset_matrix(dropped, rows)
    assert np.array_equal(got.matrix()[0], whole[np.ix_(rows, [1, 2, 3, 4, 5, 6, 7, 8])])
