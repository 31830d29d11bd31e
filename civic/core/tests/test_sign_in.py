"""Signing in: failed attempts are throttled per account and per address, passwords are checked, idle sessions end.

Throttling (django-axes) is switched off for the rest of the suite, whose test
client signs in without a request (civic/settings_test.py); these tests switch it
on and sign in through the real pages, as a browser does.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civic.testing import PASSWORD

FAILURES_ALLOWED = 5  # CIVIC_SIGN_IN_FAILURES' default
AccessAttempt = apps.get_model("axes", "AccessAttempt")  # django-axes' record of failed sign-ins


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AXES_ENABLED = True


def post_sign_in(username, password, address="10.0.0.1", page="login"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse(page), {"username": username, "password": password})
    return client, response


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


def fail_sign_ins(username, count, addresses=("10.0.0.1",)):
    for attempt in range(count):
        _, response = post_sign_in(username, "not-her-password", addresses[attempt % len(addresses)])
        assert response.status_code in (200, 429)


def test_an_account_is_locked_after_five_failures_from_any_addresses(cast):
    fail_sign_ins("wangfang", FAILURES_ALLOWED, addresses=("10.0.0.1", "10.0.0.2", "10.0.0.3"))

    _, response = post_sign_in("wangfang", PASSWORD, address="10.0.0.9")

    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()  # "Signing in is locked for a while"


def test_an_address_is_locked_after_five_failures_on_any_accounts(cast):
    for username in ("wangfang", "liqiang", "zhaomin", "chenjie", "sunli"):
        fail_sign_ins(username, 1, addresses=("10.0.0.7",))

    _, from_that_address = post_sign_in("liuyang", PASSWORD, address="10.0.0.7")
    _, from_elsewhere = post_sign_in("liuyang", PASSWORD, address="10.0.0.8")

    assert from_that_address.status_code == 429
    assert signed_in(from_elsewhere)


def test_four_failures_still_let_the_right_password_in_and_clear_the_count(cast):
    fail_sign_ins("wangfang", FAILURES_ALLOWED - 1)

    _, response = post_sign_in("wangfang", PASSWORD)

    assert signed_in(response)
    assert not AccessAttempt.objects.filter(username="wangfang").exists()


def test_the_lock_is_released_after_the_cool_off(cast):
    fail_sign_ins("wangfang", FAILURES_ALLOWED)
    sixteen_minutes_ago = timezone.now() - datetime.timedelta(minutes=16)  # the lock lasts 15 minutes
    AccessAttempt.objects.update(attempt_time=sixteen_minutes_ago)

    _, response = post_sign_in("wangfang", PASSWORD, address="10.0.0.9")

    assert signed_in(response)


def test_the_administrator_releases_a_locked_account(cast):
    fail_sign_ins("wangfang", FAILURES_ALLOWED)

    call_command("axes_reset_username", "wangfang")
    _, response = post_sign_in("wangfang", PASSWORD, address="10.0.0.9")

    assert signed_in(response)


def test_the_admins_sign_in_is_throttled_too(cast):
    for _ in range(FAILURES_ALLOWED):
        post_sign_in("zhouhua", "not-his-password", page="admin:login")

    _, response = post_sign_in("zhouhua", PASSWORD, address="10.0.0.9", page="admin:login")

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678901", "entirely numeric"),
        ("password123", "too common"),
        ("wangfang2024", "too similar"),
        ("Sh-1", "too short"),
    ],
)
def test_new_passwords_are_checked_by_djangos_validators(cast, password, reason):
    with pytest.raises(ValidationError, match=reason), translation.override("en"):
        validate_password(password, user=cast.bureau_staff)


def test_a_session_ends_after_the_counties_idle_time_and_each_request_starts_it_again(client, cast, settings):
    # Sign-in throttling is on in this module (axes needs the request a page's sign-in has): the session is
    # opened directly, as the idle time is under test here, not the sign-in.
    client.force_login(cast.bureau_staff)
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))  # nearly idle

    assert client.get(reverse("dashboard")).status_code == 200

    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert idle == datetime.timedelta(minutes=30)  # CIVIC_SESSION_IDLE_MINUTES' default
    assert Session.objects.get(pk=session.pk).expire_date > timezone.now() + idle - datetime.timedelta(minutes=1)
