"""The client's address behind nginx: X-Forwarded-For believed only from the trusted proxies, for sign-in throttling.

Behind nginx every request reaches Civic from 127.0.0.1; nginx appends the
address it was reached from to X-Forwarded-For (`$proxy_add_x_forwarded_for`,
docs/deploy.md). With CIVIC_TRUSTED_PROXIES=1 that last entry is the client;
without it the header is anyone's to write and is ignored.
"""

import pytest
from django.apps import apps
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from civic.core.client_address import client_address
from civic.testing import PASSWORD

FAILURES_ALLOWED = 5  # CIVIC_SIGN_IN_FAILURES' default
NGINX = "127.0.0.1"
AccessAttempt = apps.get_model("axes", "AccessAttempt")


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AXES_ENABLED = True


def address_of(settings, proxies: int, **meta: str) -> str | None:
    settings.CIVIC_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/")
    request.META.update(meta)
    return client_address(request)


def test_a_request_without_an_address_has_none(settings):
    # A sign-in made in code (force_login) hands django-axes a request with no REMOTE_ADDR: no address, rather
    # than a word PostgreSQL's inet column would refuse; a forwarded entry is then the only address there is.
    settings.CIVIC_TRUSTED_PROXIES = 0
    request = HttpRequest()
    assert client_address(request) is None
    assert address_of(settings, 1, HTTP_X_FORWARDED_FOR="198.51.100.7") == "198.51.100.7"


# --- Which address ---------------------------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address_of(settings, 0, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1") == "203.0.113.5"


def test_behind_one_proxy_the_entry_it_appended_is_the_client_s(settings):
    # The client wrote "10.9.9.9" itself; nginx appended the address it was reached from.
    forwarded = "10.9.9.9, 198.51.100.7"
    assert address_of(settings, 1, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_end(settings):
    forwarded = "10.9.9.9, 198.51.100.7, 192.0.2.10"  # client's own, the outer proxy's, the inner proxy's entry
    assert address_of(settings, 2, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded) == "198.51.100.7"


def test_an_ipv6_client_is_read_in_its_usual_form(settings):
    forwarded = "2001:DB8:0:0::1"
    assert address_of(settings, 1, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded) == "2001:db8::1"


def test_a_request_that_did_not_come_through_the_proxies_keeps_its_own_address(settings):
    assert address_of(settings, 1, REMOTE_ADDR="203.0.113.5") == "203.0.113.5"  # no header at all
    assert address_of(settings, 2, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="198.51.100.7") == NGINX  # one entry of two
    assert address_of(settings, 1, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="not-an-address") == NGINX


# --- Sign-in throttling per client behind nginx ------------------------------------------------------------------


def through_nginx(client_sent: str, seen_by_nginx: str) -> Client:
    """A browser reaching Civic through nginx: its own X-Forwarded-For (if any) with nginx's entry appended."""
    forwarded = f"{client_sent}, {seen_by_nginx}" if client_sent else seen_by_nginx
    return Client(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded)


def sign_in_status(client: Client, username: str, password: str) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


ACCOUNTS = ("wangfang", "liqiang", "zhaomin", "chenjie", "sunli")  # one failure each: no account is locked


def test_behind_nginx_each_client_is_locked_out_on_its_own(settings, cast):
    settings.CIVIC_TRUSTED_PROXIES = 1
    attacker, colleague = through_nginx("", "198.51.100.7"), through_nginx("", "198.51.100.8")
    for username in ACCOUNTS:
        assert sign_in_status(attacker, username, "not-her-password") in (200, 429)  # the fifth locks

    assert sign_in_status(attacker, "liuyang", PASSWORD) == 429
    assert sign_in_status(colleague, "liuyang", PASSWORD) == 302  # signed in: the attacker's lock is not hers
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_nginx_a_client_cannot_escape_its_lock_by_writing_the_header(settings, cast):
    settings.CIVIC_TRUSTED_PROXIES = 1
    for number, username in enumerate(ACCOUNTS):
        attempt = through_nginx(f"10.9.9.{number}", "198.51.100.7")
        assert sign_in_status(attempt, username, "not-her-password") in (200, 429)  # the fifth locks

    assert sign_in_status(through_nginx("10.9.9.99", "198.51.100.7"), "liuyang", PASSWORD) == 429


def test_without_trusted_proxies_a_forged_header_changes_nothing(settings, cast):
    settings.CIVIC_TRUSTED_PROXIES = 0
    for number, username in enumerate(ACCOUNTS):
        forger = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}")
        assert sign_in_status(forger, username, "not-her-password") in (200, 429)  # the fifth locks

    forger = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.99")
    assert sign_in_status(forger, "liuyang", PASSWORD) == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
