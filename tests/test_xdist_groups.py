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
