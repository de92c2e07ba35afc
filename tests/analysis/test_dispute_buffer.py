"""The disputed points write each point's matrix into one buffer in turn (``disputes._Buffer``, sized
for the largest point): the points' table the same, bit for bit, as with a new matrix per point,
whatever a larger point left in the buffer before a smaller one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from calmline.analysis import disputes
from calmline.analysis.design import build
from tests.analysis import frames
from tests.analysis.test_disputes import EARLY, disputed


def test_one_buffer_for_every_point_gives_the_same_table(monkeypatch):
    df, calls, _ = disputed(n=12_000, seed=45)
    wide = replace(EARLY, name="wide_side", among="every call", treated="took ownership")
    calls[disputes.among_column(wide.name)] = True  # every call: larger than the early apology's
    calls[disputes.treated_column(wide.name)] = pd.array(df["took_ownership"].to_numpy(dtype=bool),
                                                         dtype="boolean")
    points = [wide, EARLY]  # the larger first, the smaller written over what it left
    design = build(df, frames.PRACTICES)
    sizes = []
    original = disputes._Buffer.__call__

    def shared(self, size):
        sizes.append((size, self.size))
        out = original(self, size)
        if len(sizes) > 1:
            out[:] = np.nan  # what the larger point left: any value not written again shows
        return out
    monkeypatch.setattr(disputes._Buffer, "__call__", shared)
    now = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design, disputes=points)[0]
    assert len(sizes) == 2 and sizes[1][0] < sizes[0][0] == sizes[0][1]  # one buffer, the largest point's
    monkeypatch.setattr(disputes._Buffer, "__call__", lambda self, size: np.empty(size))  # new each time
    before = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design,
                                      disputes=points)[0]
    assert now["estimate_pp"].notna().sum() >= 4
    pd.testing.assert_frame_equal(now, before, check_exact=True)
