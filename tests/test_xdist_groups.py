"""`make test` runs two pytest-xdist workers with `--dist loadgroup`: the tests of a group run on
one worker, one after another. The scheduler sees a test's group only in its id
(``nodeid@group``); under pytest 9 pytest-xdist 3.8's own way of writing it there was lost and
no group had any effect (tests/conftest.py now writes it)."""

from __future__ import annotations

import os

import pytest

under_xdist = pytest.mark.skipif("PYTEST_XDIST_WORKER" not in os.environ,
                                 reason="the ids carry groups on pytest-xdist workers only")


@pytest.fixture(scope="module")
def built_once_per_module():
    return object()


@under_xdist
def test_a_test_using_a_module_fixture_carries_its_modules_group(request, built_once_per_module):
    assert request.node.nodeid.endswith("@tests/test_xdist_groups.py")


@under_xdist
@pytest.mark.xdist_group("browser")
def test_a_marked_test_carries_its_group_once(request):
    assert request.node.nodeid.endswith("::test_a_marked_test_carries_its_group_once@browser")


@under_xdist
def test_a_test_without_a_group_keeps_its_id(request):
    assert request.node.nodeid == "tests/test_xdist_groups.py::test_a_test_without_a_group_keeps_its_id"


def test_the_spark_and_browser_groups_are_dealt_out_first_then_the_largest_groups():
    """`--dist loadgroup --no-loadscope-reorder` deals the groups out in the order of the ids: the
    Spark group first (the run's longest chain), the browser group next, the other groups most
    tests first, the tests in no group last, each in its collected order."""
    from types import SimpleNamespace

    from tests.conftest import _longest_groups_first

    ids = ["a.py::t1", "b.py::t1@b.py", "c.py::t1@browser", "d.py::t1@d.py", "d.py::t2@d.py",
           "e.py::t[x@y]", "s.py::t1@spark", "b.py::t2@b.py", "s.py::t2@spark", "d.py::t3@d.py"]
    got = [i.nodeid for i in _longest_groups_first([SimpleNamespace(nodeid=i) for i in ids])]
    assert got == ["s.py::t1@spark", "s.py::t2@spark", "c.py::t1@browser", "d.py::t1@d.py", "d.py::t2@d.py",
                   "d.py::t3@d.py", "b.py::t1@b.py", "b.py::t2@b.py", "a.py::t1", "e.py::t[x@y]"]


@under_xdist
def test_this_runs_ids_put_the_first_groups_first(request):
    """The order this worker collected (the same on every worker, which xdist checks)."""
    from tests.conftest import FIRST_GROUPS, _group

    groups = [_group(item) for item in request.session.items]
    ranks = [FIRST_GROUPS.index(g) if g in FIRST_GROUPS else len(FIRST_GROUPS) for g in groups]
    assert ranks == sorted(ranks)
