"""Fixtures of the dog-management tests."""

import pytest

from civic.dogs.testing import DogsCast, make_dogs_cast


@pytest.fixture
def dogs(cast) -> DogsCast:
    """Owners, dogs and places of the dog-management cast (see civic/dogs/testing.py)."""
    return make_dogs_cast(cast)
