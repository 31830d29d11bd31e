"""Production settings for `make serve`: the key read from a file, plain HTTP only on the machine itself.

Each settings test runs civic/settings.py afresh (see test_settings.py).
"""

from __future__ import annotations

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from civic.core.loopback import LoopbackOnlyMiddleware, is_loopback
from civic.core.testing import A_COUNTY_KEY, production


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text(secrets.token_urlsafe(64) + "\n")
    return path


def test_production_reads_the_key_from_the_file_named(monkeypatch, key_file):
    settings = production(monkeypatch, CIVIC_SECRET_KEY_FILE=str(key_file))

    assert settings["SECRET_KEY"] == key_file.read_text().strip()


def test_secret_key_in_the_environment_wins_over_the_file(monkeypatch, key_file):
    settings = production(monkeypatch, SECRET_KEY=A_COUNTY_KEY, CIVIC_SECRET_KEY_FILE=str(key_file))

    assert settings["SECRET_KEY"] == A_COUNTY_KEY


def test_a_missing_key_file_stops_production(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        production(monkeypatch, CIVIC_SECRET_KEY_FILE=str(tmp_path / "none"))


def test_a_short_key_file_stops_production(monkeypatch, tmp_path):
    short = tmp_path / "short"
    short.write_text("abc")

    with pytest.raises(ImproperlyConfigured, match="at least 50 characters"):
        production(monkeypatch, CIVIC_SECRET_KEY_FILE=str(short))


def test_a_key_file_holding_the_repositorys_key_is_still_refused(monkeypatch, tmp_path):
    published = tmp_path / "published"
    published.write_text("civic-demo-only-secret-key-change-me-in-production")

    with pytest.raises(ImproperlyConfigured, match="repository's"):
        production(monkeypatch, CIVIC_SECRET_KEY_FILE=str(published))


def test_plain_http_on_loopback_turns_off_https_only_settings(monkeypatch, key_file):
    settings = production(
        monkeypatch,
        CIVIC_SECRET_KEY_FILE=str(key_file),
        CIVIC_PLAIN_HTTP_ON_LOOPBACK="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CSRF_COOKIE_SECURE"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["MIDDLEWARE"][0] == "civic.core.loopback.LoopbackOnlyMiddleware"
    assert settings["DEBUG"] is False


def test_production_without_the_flag_keeps_https_only(monkeypatch, key_file):
    settings = production(monkeypatch, CIVIC_SECRET_KEY_FILE=str(key_file))

    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert "civic.core.loopback.LoopbackOnlyMiddleware" not in settings["MIDDLEWARE"]


@pytest.mark.parametrize("hosts", ["civic.wujin.gov.cn", "127.0.0.1,civic.wujin.gov.cn", "*", "0.0.0.0"])
def test_plain_http_is_refused_for_a_host_other_than_loopback(monkeypatch, key_file, hosts):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS must name only"):
        production(
            monkeypatch, CIVIC_SECRET_KEY_FILE=str(key_file), CIVIC_PLAIN_HTTP_ON_LOOPBACK="1", ALLOWED_HOSTS=hosts
        )


def test_the_plain_http_flag_does_not_let_the_repositorys_key_through(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="repository's"):
        production(monkeypatch, CIVIC_PLAIN_HTTP_ON_LOOPBACK="1", ALLOWED_HOSTS="127.0.0.1")


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("10.0.0.8", False),
        ("192.168.1.20", False),
        ("", False),
    ],
)
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_the_middleware_refuses_a_request_from_another_machine():
    middleware = LoopbackOnlyMiddleware(lambda request: HttpResponse("page"))

    assert middleware(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")).content == b"page"
    refused = middleware(RequestFactory().get("/", REMOTE_ADDR="192.168.1.20"))
    assert refused.status_code == 403
    assert b"page" not in refused.content


@pytest.mark.parametrize(
    "header", [{"HTTP_X_FORWARDED_FOR": "203.0.113.7"}, {"HTTP_FORWARDED": "for=203.0.113.7"}, {"HTTP_X_REAL_IP": "x"}]
)
def test_the_middleware_refuses_a_request_relayed_by_a_proxy_on_this_machine(header):
    middleware = LoopbackOnlyMiddleware(lambda request: HttpResponse("page"))

    assert middleware(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **header)).status_code == 403
