"""State shared by all of a server's processes: rate limits counted in the database, and the database cache.

A county's server runs gunicorn with several worker processes (docs/deploy.md,
WEB_CONCURRENCY=4). A rate limit or a kept figure held in one process's memory
would be one per process; these tests count and keep through the database, and
run a second process (`manage.py shell` against the test database) to see that
it shares what the first one counted and kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from civic.api import actions
from civic.api.models import ApiOrganisation, ApiToken, Scope
from civic.api.testing import Caller
from civic.core import rates
from civic.core.caching import kept_for_a_while
from civic.core.models import RateCount
from civic.core.testing import A_COUNTY_KEY, production, read_settings
from civic.core.tests.worker_processes import DEADLINE_S, database_url

MOMENT_S = 1_740_000_000  # a moment (seconds since the epoch) the counts below start at


def run_in_another_process(code: str, **environment: str) -> str:
    """Run Python `code` in a `manage.py shell` of its own against the test's database; its standard output."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "shell", "--no-imports", "--command", code],
        env={**os.environ, "DATABASE_URL": database_url(), **environment},
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- Counting in one statement -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_calls_are_counted_in_a_window_that_opens_with_the_first_and_lasts_its_seconds():
    counts = [rates.count_call("api:calls:1", 60, now_s=MOMENT_S + offset) for offset in (0, 1, 30, 59)]
    assert counts == [1, 2, 3, 4]
    # 60 s after the first call the window has ended: the next call opens a new one.
    assert rates.count_call("api:calls:1", 60, now_s=MOMENT_S + 60) == 1
    assert rates.count_call("api:calls:1", 60, now_s=MOMENT_S + 61) == 2
    # Another key is counted apart.
    assert rates.count_call("api:calls:2", 60, now_s=MOMENT_S + 61) == 1


@pytest.mark.django_db
def test_an_allowance_of_three_lets_three_calls_through_in_a_window():
    allowed = [rates.within_allowance("dogs:public-check:10.0.0.1", 3, 600, now_s=MOMENT_S) for _ in range(4)]
    assert allowed == [True, True, True, False]
    assert rates.within_allowance("dogs:public-check:10.0.0.1", 3, 600, now_s=MOMENT_S + 600)


@pytest.mark.django_db
def test_opening_a_window_deletes_the_rows_of_windows_that_have_ended():
    rates.count_call("dogs:public-check:10.0.0.1", 600, now_s=MOMENT_S)  # open until MOMENT_S + 600
    rates.count_call("api:calls:1", 60, now_s=MOMENT_S)  # open until MOMENT_S + 60
    rates.count_call("api:calls:2", 60, now_s=MOMENT_S + 100)
    assert sorted(RateCount.objects.values_list("key", flat=True)) == ["api:calls:2", "dogs:public-check:10.0.0.1"]


@pytest.mark.django_db
def test_a_window_of_no_seconds_is_refused():
    with pytest.raises(ValueError, match="window_seconds"):
        rates.count_call("api:calls:1", 0)


@pytest.mark.django_db(transaction=True)
def test_calls_counted_at_once_on_four_connections_each_get_a_count_of_their_own():
    """A read-then-write increment lets two calls at the same moment read the same count; one statement does not."""
    counts: list[int] = []
    errors: list[BaseException] = []

    def count_twenty() -> None:
        try:
            for _ in range(20):
                counts.append(rates.count_call("api:calls:7", 60, now_s=MOMENT_S))
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=count_twenty) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    assert errors == []
    assert sorted(counts) == list(range(1, 81))
    assert RateCount.objects.get(key="api:calls:7").count == 80


# --- Two processes, one count and one cache ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_token_s_calls_in_another_process_use_up_the_same_allowance(monkeypatch):
    organisation = ApiOrganisation.objects.create(name="犬只查询小程序")
    token, secret = actions.issue_token(organisation, "小程序", [Scope.PUBLIC], calls_per_minute=3)
    minute = 29_000_000
    # Another web process answers two of the token's calls in this minute ...
    other = run_in_another_process(
        "from civic.api import actions\n"
        "from civic.api.models import ApiToken\n"
        f"actions.current_window = lambda: {minute}\n"
        f"token = ApiToken.objects.get(pk={token.pk})\n"
        "print(*[actions.within_rate(token) for _ in range(2)])\n"
    )
    assert other == "True True"
    assert RateCount.objects.get(key=f"api:calls:{token.pk}").count == 2
    # ... so this one answers the third and refuses the fourth.
    monkeypatch.setattr(actions, "current_window", lambda: minute)
    caller = Caller(secret)
    statuses = [caller.get("/api/public/tags/DT0").status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert ApiToken.objects.get(pk=token.pk).calls_per_minute == 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_figures_kept_by_one_process_are_shown_by_another_through_the_database_cache(settings):
    settings.CACHES = {"default": settings.CACHE_BACKENDS["database"]}
    settings.CIVIC_DASHBOARD_CACHE_SECONDS = 60
    try:
        kept = run_in_another_process(
            "from civic.core.caching import kept_for_a_while\n"
            "print(kept_for_a_while('county-totals', lambda: {'water_users': 7})['water_users'])\n",
            CIVIC_CACHE="database",
            CIVIC_DASHBOARD_CACHE_SECONDS="60",
        )
        assert kept == "7"
        # This process finds the other's figures in the cache and does not work them out again.
        assert kept_for_a_while("county-totals", lambda: {"water_users": 8}) == {"water_users": 7}
    finally:
        cache.clear()


@pytest.mark.django_db
def test_migrate_makes_the_database_cache_s_table():
    assert settings.CACHE_TABLE in connection.introspection.table_names()


# --- Settings -------------------------------------------------------------------------------------------------


@pytest.fixture
def no_cache_settings_from_outside(monkeypatch):
    for name in ("CIVIC_CACHE", "CIVIC_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)


def test_a_county_s_server_keeps_its_cache_in_the_database_and_believes_no_proxy_unless_told(
    monkeypatch, no_cache_settings_from_outside
):
    county = production(monkeypatch, SECRET_KEY=A_COUNTY_KEY)
    assert county["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "civic_cache",
    }
    assert county["CIVIC_TRUSTED_PROXIES"] == 0
    assert county["AXES_CLIENT_IP_CALLABLE"] == "civic.core.client_address.client_address"
    behind_nginx = production(monkeypatch, SECRET_KEY=A_COUNTY_KEY, CIVIC_TRUSTED_PROXIES="1", CIVIC_CACHE="local")
    assert behind_nginx["CIVIC_TRUSTED_PROXIES"] == 1
    assert behind_nginx["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    tests = read_settings(monkeypatch, CIVIC_ENV="test")
    assert tests["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_an_unknown_cache_or_a_negative_number_of_proxies_is_refused(monkeypatch, no_cache_settings_from_outside):
    with pytest.raises(ImproperlyConfigured, match="CIVIC_CACHE must be database or local, not 'redis'"):
        production(monkeypatch, SECRET_KEY=A_COUNTY_KEY, CIVIC_CACHE="redis")
    monkeypatch.delenv("CIVIC_CACHE")
    with pytest.raises(ImproperlyConfigured, match="CIVIC_TRUSTED_PROXIES must be 0 or more, not -1"):
        production(monkeypatch, SECRET_KEY=A_COUNTY_KEY, CIVIC_TRUSTED_PROXIES="-1")
