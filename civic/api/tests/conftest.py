"""Organisations of the demo county with API tokens: the water utility, Runhua and Xinglong, the planning office."""

from __future__ import annotations

import pytest

from civic.api import actions
from civic.api.models import ApiOrganisation, Scope
from civic.api.testing import Tokens
from civic.testing import Cast


@pytest.fixture(autouse=True)
def readings_store(settings, tmp_path):
    """Pushed readings go into a readings store of the test's own, never the installation's."""
    settings.CIVIC_READINGS_STORE = tmp_path / "readings"
    return settings.CIVIC_READINGS_STORE


@pytest.fixture
def tokens(cast: Cast) -> Tokens:
    utility = ApiOrganisation.objects.create(name="武进水务集团")
    runhua = ApiOrganisation.objects.create(name="润华印染能源管理系统", water_user=cast.runhua)
    xinglong = ApiOrganisation.objects.create(name="兴隆钢铁能源管理系统", water_user=cast.xinglong)
    planning = ApiOrganisation.objects.create(name="水利局规划科")
    public = ApiOrganisation.objects.create(name="犬只查询小程序")
    return Tokens(
        utility=actions.issue_token(utility, "远传抄表系统", [Scope.READINGS_WRITE])[1],
        runhua=actions.issue_token(runhua, "能源管理", [Scope.ENTERPRISE_READ])[1],
        xinglong=actions.issue_token(xinglong, "能源管理", [Scope.ENTERPRISE_READ])[1],
        planning=actions.issue_token(planning, "规划系统", [Scope.REGISTER_READ])[1],
        public=actions.issue_token(public, "小程序", [Scope.PUBLIC])[1],
        everything=actions.issue_token(runhua, "全部", Scope.values)[1],
    )
