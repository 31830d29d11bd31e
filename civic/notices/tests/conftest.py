"""Notices tests send e-mail and SMS into outboxes of the test's own: Django's locmem mail and the memory SMS."""

import pytest

from civic.notices.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def reachable(cast):
    """Li Qiang (Runhua's reporter) and Zhao Min (Xinglong's) with an e-mail address and a mobile phone."""
    from civic.notices.models import NoticeKind, NoticePreferences

    for user, email, phone in (
        (cast.runhua_reporter, "liqiang@runhua.example.com", "13900000001"),
        (cast.xinglong_reporter, "zhaomin@xinglong.example.com", "13900000002"),
    ):
        user.email = email
        user.save(update_fields=["email"])
        NoticePreferences.objects.create(
            user=user, phone=phone, email_kinds=NoticeKind.values, sms_kinds=NoticeKind.values
        )
    return cast
