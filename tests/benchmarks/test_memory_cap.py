"""The fit benchmark's hard memory limit (benchmarks/memory_cap.py, issue #12's "10M completes in
<= 4 GB"): a child that needs more than the limit is killed and reported so; one that needs less
completes; sizes are read as a person writes them."""

from __future__ import annotations

import sys

import pytest

from benchmarks.memory_cap import MemoryCap, parse_size

NEEDS_300_MB = "import numpy as np; a = np.ones(300 * 2 ** 20 // 8); print(int(a.sum()))"


def test_sizes_are_read_in_powers_of_1024():
    assert parse_size("4G") == parse_size("4GB") == parse_size("4GiB") == 4 * 2 ** 30
    assert parse_size("3500M") == 3500 * 2 ** 20
    assert parse_size("1.5g") == 3 * 2 ** 29
    with pytest.raises(ValueError, match="not a size"):
        parse_size("four gigabytes")


@pytest.mark.parametrize("limit, completes", [("150M", False), ("1G", True)])
def test_a_child_past_the_limit_is_killed_and_one_within_it_completes(limit, completes):
    cap = MemoryCap(parse_size(limit))
    try:
        _, _, out, _, code = cap.run([sys.executable, "-c", NEEDS_300_MB])
        killed, peak = cap.killed_for_memory(), cap.peak_mb()
    finally:
        cap.close()
    assert (code == 0) is completes
    assert killed is not completes
    assert peak <= parse_size(limit) / 2 ** 20
    if completes:
        assert out.strip() == str(300 * 2 ** 20 // 8)
        assert peak >= 300
    assert not cap.path.exists()  # the cgroup is removed
