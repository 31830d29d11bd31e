"""Where notices go in each mode: the demo's outbox files, the tests' memory, a county's SMTP and SMS gateway."""

from pathlib import Path

import pytest

from civic.core.testing import REPOSITORY_ROOT, read_settings

OUTBOX = REPOSITORY_ROOT / "var" / "outbox"


@pytest.fixture(autouse=True)
def no_mail_settings_from_outside(monkeypatch):
    for name in ("EMAIL_BACKEND", "EMAIL_FILE_PATH", "CIVIC_SMS_BACKEND", "CIVIC_SMS_FILE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CIVIC_SEND_NOTICES_ON_COMMIT", raising=False)


def test_the_demo_writes_mail_and_sms_into_var_outbox_as_soon_as_a_change_commits(monkeypatch):
    settings = read_settings(monkeypatch, CIVIC_ENV="demo")
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(settings["EMAIL_FILE_PATH"]) == OUTBOX / "mail"
    assert settings["CIVIC_SMS_BACKEND"] == "civic.notices.sms.FileSmsBackend"
    assert Path(settings["CIVIC_SMS_FILE_PATH"]) == OUTBOX / "sms"
    assert settings["CIVIC_SEND_NOTICES_ON_COMMIT"] is True


def test_a_county_sends_by_smtp_and_refuses_sms_until_it_sets_its_gateway(monkeypatch):
    settings = read_settings(
        monkeypatch, CIVIC_ENV="production", SECRET_KEY="a-county-secret-key-of-its-own-0123456789"
    )
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["CIVIC_SMS_BACKEND"] == "civic.notices.sms.NoSmsGateway"
    assert settings["CIVIC_SEND_NOTICES_ON_COMMIT"] is False
    gateway = read_settings(
        monkeypatch,
        CIVIC_ENV="production",
        SECRET_KEY="a-county-secret-key-of-its-own-0123456789",
        CIVIC_SMS_BACKEND="county_sms.GatewayBackend",
    )
    assert gateway["CIVIC_SMS_BACKEND"] == "county_sms.GatewayBackend"


def test_the_tests_keep_mail_and_sms_in_memory(monkeypatch):
    settings = read_settings(monkeypatch, CIVIC_ENV="test")
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
    assert settings["CIVIC_SMS_BACKEND"] == "civic.notices.sms.MemorySmsBackend"
