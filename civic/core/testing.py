"""Builders the core tests share: the repository root and the settings read under a given environment."""

import runpy
from pathlib import Path
from typing import Any

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


SETTINGS_FILE = REPOSITORY_ROOT / "civic" / "settings.py"


def read_settings(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    for name in ("DATABASE_URL", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE), run_name="civic_settings_under_test")


# A secret key of the county's own, as production is started with in the settings tests.
A_COUNTY_KEY = "k3#v9-wujin-county-server-key-" + "x7Qp2Lm8Rt5Zc1Nb4Vd6Hg0Js3Kf9Wy"


def production(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    """The settings in production mode under `environment` (no SECRET_KEY unless given)."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return read_settings(monkeypatch, CIVIC_ENV="production", **environment)
