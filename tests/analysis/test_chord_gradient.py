"""The chord steps' gradient over row blocks (``logit._chord_gradient``, one read of X per step):
the product the steps computed before, ``X' (A[:, active] - logistic(X B))``, to rounding."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import logit


@pytest.mark.parametrize("active", [[0, 1, 2], [2, 0]])
@pytest.mark.parametrize("weighted", [False, True])
def test_blocks_give_the_whole_product(active, weighted):
    rng = np.random.default_rng(4)
    n = 3 * logit.GRADIENT_ROWS + 17  # a short last block
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 4))])
    A = (rng.random((n, 3)) < 0.4).astype(float)
    B = rng.normal(0, 0.3, (5, len(active)))
    w = rng.integers(1, 4, n).astype(float) if weighted else None
    R = A[:, active] - logit.predict_linear(X @ B)
    expected = X.T @ (R * w[:, None] if weighted else R)
    got = logit._chord_gradient(X, A, active, B, w)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-9)
