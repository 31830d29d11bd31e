"""Dog-management notices: renewal reminders by SMS to owners, and cases to the people who must act on them.

Wangcai's licence (Zhang Wei's dog, 13800000001) runs to 2024-03-29, so it is
due for renewal on the suite's reference day, 2024-03-22 (civic/dogs/testing.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from civic.dogs import actions
from civic.dogs.models import RenewalReminder, ViolationCase
from civic.dogs.testing import REFERENCE_DAY, make_dogs_cast
from civic.notices.actions import deliver_pending, run_sweeps
from civic.notices.models import Channel, Notice, NoticeKind
from civic.notices.sms import MemorySmsBackend


def test_an_owner_due_for_renewal_gets_one_sms_in_chinese(cast):
    make_dogs_cast(cast)
    assert actions.queue_renewal_reminders(REFERENCE_DAY) == 1
    actions.queue_renewal_reminders(REFERENCE_DAY)  # queued again the same day: nothing new, no second SMS
    notice = Notice.objects.get(kind=NoticeKind.LICENCE_RENEWAL)
    assert (notice.recipient, notice.recipient_name) == (None, "张伟")
    assert list(notice.deliveries.values_list("channel", "address")) == [(Channel.SMS, "13800000001")]
    reminder = RenewalReminder.objects.get()
    assert reminder.sent_at is None
    assert deliver_pending().sent == 1
    reminder.refresh_from_db()
    assert reminder.sent_at is not None  # the licence's page shows the reminder sent
    assert [(message.phone, message.text) for message in MemorySmsBackend.outbox] == [
        (
            "13800000001",
            "您的犬只“旺财”养犬登记证（DL2023000001）将于2024-03-29到期，请在到期前携犬只免疫证明到服务点办理延续。",
        )
    ]


def test_a_new_case_goes_to_the_dog_office_and_a_passed_deadline_to_the_inspector(cast):
    dogs = make_dogs_cast(cast)
    case = actions.open_case(
        ViolationCase(
            violation_type=dogs.violation_type("over_limit"),
            place=dogs.hutang_square,
            observed_on=REFERENCE_DAY,
            dog=dogs.wangcai,
            description="重点管理区内一户饲养两只犬",
        ),
        cast.inspector,
    )
    opened = Notice.objects.get(kind=NoticeKind.CASE_ACTION)
    assert opened.recipient == cast.dog_office_staff
    assert opened.subject == f"案件{case.number}待决定"
    assert not Notice.objects.filter(recipient=cast.inspector).exists()

    case = actions.decide_case(case, "fine", Decimal(500), "超出限养数量", cast.dog_office_staff, REFERENCE_DAY)
    assert case.correct_by is not None
    assert run_sweeps(case.correct_by) == 0  # the deadline runs to the end of its day
    assert run_sweeps(case.correct_by + datetime.timedelta(days=1)) == 2  # the inspector and the decider
    assert run_sweeps(case.correct_by + datetime.timedelta(days=2)) == 0
    told = Notice.objects.filter(subject=f"案件{case.number}：限期改正已到期")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["liuyang", "qianjing"]


def test_reminders_queued_from_the_renewals_page_reach_the_owners_too(cast, client):
    dogs = make_dogs_cast(cast)
    actions.queue_reminders_of_kind([dogs.wangcai_licence], "due", REFERENCE_DAY)
    assert Notice.objects.get(kind=NoticeKind.LICENCE_RENEWAL).recipient_name == "张伟"
