"""A local Spark session's heap follows the machine, or the user's setting (calmline.spark.session).

On ``local[N]`` the driver and its executors are one JVM: its heap is what a load may hold at
once. A fixed 3 GB held 2M calls with little to spare; the heap is now a quarter of the
machine's memory (3-30 GB), or what ``CALMLINE_SPARK_DRIVER_MEMORY`` says.
"""

from __future__ import annotations

import pytest

from calmline.spark.session import DRIVER_MEMORY_ENV, local_driver_memory

pytestmark = pytest.mark.spark

GB = 2**30


def test_a_quarter_of_the_machine_within_bounds(monkeypatch):
    monkeypatch.delenv(DRIVER_MEMORY_ENV, raising=False)
    assert local_driver_memory(24 * GB) == "6144m"
    assert local_driver_memory(8 * GB) == "3072m"  # never below the 3 GB that held 2M calls
    assert local_driver_memory(512 * GB) == "30720m"  # compressed object pointers end near 32 GB


def test_the_users_setting_wins(monkeypatch):
    monkeypatch.setenv(DRIVER_MEMORY_ENV, "5g")
    assert local_driver_memory(512 * GB) == "5g"


def test_the_local_session_gets_that_heap(spark):
    setting = local_driver_memory()
    assert spark.sparkContext.getConf().get("spark.driver.memory") == setting
    heap = spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()
    want = int(setting[:-1]) * {"m": 2**20, "g": GB}[setting[-1].lower()]
    # the JVM reports its heap rounded to its collector's regions (6026m: 2 MB more), or less one
    # survivor space (a few percent): not the old fixed 3 GB
    assert 0.85 * want <= heap <= 1.01 * want
