"""The bootstrap's best-quartile targets read each agent's draw counts as one row of the transposed
weights (``priorities._weighted_quantile(..., columns=)``): per replicate the same quantile, bit for
bit, as from the replicate's row of the weights' chosen columns, and ``np.percentile`` of the values
repeated by their counts."""

from __future__ import annotations

import numpy as np

from calmline.analysis import priorities


def test_rows_of_the_transposed_weights_give_the_same_quantiles():
    rng = np.random.default_rng(5)
    agents, replicates = 60, 300
    w = rng.multinomial(agents, np.full(agents, 1 / agents), size=replicates).astype(float)
    w[0] = 0.0  # a replicate that drew none of these agents: no quantile
    idx = rng.choice(agents, 40, replace=False)
    values = rng.beta(2, 5, len(idx))
    values[3] = values[7]  # ties
    before = priorities._weighted_quantile(values, w[:, idx], 0.75)
    now = priorities._weighted_quantile(values, np.ascontiguousarray(w.T), 0.75, columns=idx)
    assert np.array_equal(now, before, equal_nan=True)
    assert np.isnan(now[0]) and np.isfinite(now[1:]).all()
    for r in range(1, 20):
        assert np.isclose(now[r], np.percentile(np.repeat(values, w[r, idx].astype(int)), 75), rtol=0, atol=1e-12)
