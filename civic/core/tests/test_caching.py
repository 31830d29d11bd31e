"""Figures kept a while per server process: the dashboard's county totals and a metering run's charts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civic.core.caching import kept_for_a_while
from civic.testing import sign_in


def counter() -> tuple[list[int], Callable[[], dict[str, int]]]:
    calls: list[int] = []

    def figures() -> dict[str, int]:
        calls.append(1)
        return {"tagged_total": len(calls)}

    return calls, figures


def test_figures_are_worked_out_once_while_kept(settings):
    settings.CIVIC_DASHBOARD_CACHE_SECONDS = 60
    calls, figures = counter()

    first = kept_for_a_while("test", figures)
    second = kept_for_a_while("test", figures)

    assert first == second == {"tagged_total": 1}
    assert len(calls) == 1


def test_with_no_time_to_keep_them_they_are_worked_out_each_time(settings):
    settings.CIVIC_DASHBOARD_CACHE_SECONDS = 0
    _, figures = counter()

    assert [kept_for_a_while("test", figures)["tagged_total"] for _ in range(3)] == [1, 2, 3]


def test_figures_of_different_names_are_kept_apart(settings):
    settings.CIVIC_DASHBOARD_CACHE_SECONDS = 60

    assert kept_for_a_while("one", lambda: {"n": 1}) == {"n": 1}
    assert kept_for_a_while("two", lambda: {"n": 2}) == {"n": 2}


@pytest.mark.django_db
def test_the_dashboard_shows_the_same_figures_from_fewer_queries_when_kept(client, cast, settings):
    settings.CIVIC_DASHBOARD_CACHE_SECONDS = 60
    sign_in(client, cast.bureau_admin)
    with CaptureQueriesContext(connection) as first_visit:
        first = client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as second_visit:
        second = client.get(reverse("dashboard"))

    assert first.status_code == second.status_code == 200
    for name in ("listed_user_count", "issued_plan_count", "tagged_total", "open_case_count"):
        assert first.context[name] == second.context[name]
    assert len(second_visit.captured_queries) < len(first_visit.captured_queries)
