"""Fixtures shared by the whole suite."""

import pytest

from civic.testing import Cast, make_cast


@pytest.fixture
def cast(db) -> Cast:
    """The named people and places of the demo county (see civic/testing.py)."""
    return make_cast()
