"""Fixtures the dashboard tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(fitted_sample_db):
    """A fresh app serving the fitted sample (a test file may define its own ``app``)."""
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=fitted_sample_db))
