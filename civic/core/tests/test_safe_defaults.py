"""Safe defaults: production refuses DEBUG and the published SECRET_KEY, passes `check --deploy`, logs 500s,
and no error page shows the database's password.

Each settings test runs civic/settings.py afresh (see test_settings.py); the
deploy check runs `manage.py check --deploy` as a real process.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import path
from django.views.debug import ExceptionReporter

from civic.core.error_reports import CivicExceptionReporterFilter
from civic.core.testing import A_COUNTY_KEY, REPOSITORY_ROOT, production, read_settings


def test_production_refuses_to_start_with_debug_on(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG is on"):
        production(monkeypatch, DEBUG="true", SECRET_KEY=A_COUNTY_KEY)


def test_production_refuses_to_start_with_the_repositorys_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is the repository's"):
        production(monkeypatch)


def test_the_demo_runs_with_debug_off_and_its_own_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = read_settings(monkeypatch, CIVIC_ENV="demo")

    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == settings["REPOSITORY_SECRET_KEY"]
    assert settings["SECURE_SSL_REDIRECT"] is False  # the demo is served over plain HTTP on 127.0.0.1


def test_production_turns_on_secure_cookies_hsts_and_the_ssl_redirect(monkeypatch):
    settings = production(monkeypatch, SECRET_KEY=A_COUNTY_KEY)

    assert (settings["SESSION_COOKIE_SECURE"], settings["CSRF_COOKIE_SECURE"]) == (True, True)
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000  # one year


def test_the_county_sets_the_security_headers_from_the_environment(monkeypatch):
    settings = production(
        monkeypatch,
        SECRET_KEY=A_COUNTY_KEY,
        CIVIC_SSL_REDIRECT="false",
        CIVIC_HSTS_SECONDS="600",
        CIVIC_CONTENT_SECURITY_POLICY="default-src 'self'; img-src 'self' data: https://tiles.example.cn",
    )

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 600
    assert settings["CONTENT_SECURITY_POLICY"] == {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:", "https://tiles.example.cn"]}
    }


def test_the_county_sets_the_session_idle_time_and_the_sign_in_lockout(monkeypatch):
    settings = read_settings(
        monkeypatch, CIVIC_SESSION_IDLE_MINUTES="20", CIVIC_SIGN_IN_FAILURES="3", CIVIC_SIGN_IN_LOCKOUT_MINUTES="60"
    )

    assert settings["SESSION_COOKIE_AGE"] == 1200  # 20 minutes without a request
    assert settings["SESSION_SAVE_EVERY_REQUEST"] is True  # each request starts the idle time again
    assert (settings["AXES_FAILURE_LIMIT"], settings["AXES_COOLOFF_TIME"]) == (3, datetime.timedelta(minutes=60))


def test_pages_carry_a_content_security_policy(client, cast):
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.slow
def test_check_deploy_reports_nothing_with_the_production_settings():
    environment = {
        **os.environ,
        "CIVIC_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    environment.pop("DEBUG", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixtures, never on a server
    manage = Path(REPOSITORY_ROOT) / "manage.py"

    result = subprocess.run(
        [sys.executable, str(manage), "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PASSWORD_PARTS = ("s3cret", "pw")  # joined only where needed: the report shows the test's own source lines


def request_under_runserver():
    """A request as `runserver` builds it: META carries the process environment, DATABASE_URL with it."""
    request = RequestFactory().get("/")
    request.META["DATABASE_URL"] = f"postgres://civic:{'-'.join(PASSWORD_PARTS)}@127.0.0.1:5432/civic"
    return request


def test_an_error_report_hides_the_password_in_database_url():
    request = request_under_runserver()
    try:
        raise RuntimeError("a fault")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        reporter.filter = CivicExceptionReporterFilter()
        page = reporter.get_traceback_html()

    assert "-".join(PASSWORD_PARTS) not in page
    assert "DATABASE_URL" in page


def test_the_configured_report_filter_is_civics(settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "civic.core.error_reports.CivicExceptionReporterFilter"


def failing_view(request):
    raise RuntimeError("the meter table is unreachable")


urlpatterns = [path("failing/", failing_view)]


@pytest.mark.urls("civic.core.tests.test_safe_defaults")
def test_a_500_is_logged_and_the_visitor_sees_civics_own_page_in_chinese(db):
    # The handler Civic gives django.request writes to the server's standard error; read what it writes.
    handlers = [
        handler
        for handler in logging.getLogger("django.request").handlers
        if isinstance(handler, logging.StreamHandler) and not handler.filters
    ]
    assert len(handlers) == 1, "django.request has no handler of its own that logs with DEBUG off"
    written = io.StringIO()
    stderr = handlers[0].setStream(written)
    try:
        response = Client(raise_request_exception=False).get("/failing/")
    finally:
        handlers[0].setStream(stderr)

    assert response.status_code == 500
    assert "出了点问题" in response.content.decode()  # "Something went wrong", in the default language
    assert "Internal Server Error: /failing/" in written.getvalue()
    assert "the meter table is unreachable" in written.getvalue()  # the traceback comes with it


def test_static_files_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False

    response = client.get("/static/civic/civic.css")

    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_a_missing_page_is_civics_own_404_in_the_visitors_language(client, settings):
    assert settings.DEBUG is False

    chinese = client.get("/no-such-page/")
    english = client.get("/no-such-page/", headers={"accept-language": "en"})

    assert chinese.status_code == english.status_code == 404
    assert "该页面或记录不存在。" in chinese.content.decode()
    assert "There is no such page or record." in english.content.decode()
