"""Notices that reach people: a surcharge bill told to Runhua's reporter in the app, by e-mail and by SMS.

The figures are those of civic/water/tests/test_surcharges.py: Runhua plans
1,000 m³ a month and uses 1,300 m³ in March 2024 (30 % over), billed
100 × 1 × ¥4 + 200 × 2 × ¥4 = ¥2,000 under the cast's banded Jiangsu draft rule;
the payment falls due 15 days after the bill is issued (civic/water/notices.py,
PAYMENT_DAYS, from the printed notice's 缴纳期限).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from civic.core import jobs
from civic.core.models import JobKind
from civic.notices import actions
from civic.notices import jobs as notice_jobs
from civic.notices.models import Channel, Delivery, DeliveryState, Notice, NoticeKind, NoticePreferences
from civic.notices.sms import MemorySmsBackend, SmsBackend, SmsError, SmsMessage
from civic.testing import sign_in
from civic.water.actions import compute_bills
from civic.water.actions import plans as plan_actions
from civic.water.models import PlanAdjustmentRequest, PlanStatus, SurchargeBill
from civic.water.testing import MARCH, bill_march, issue_plan

RUNHUA_BILL_TEXT = (
    "常州润华印染有限公司在2024-03-01至2024-03-31期间超计划用水300立方米，"
    "应缴超计划用水累进加价费2,000.00元，请于{deadline}前缴纳（缴费通知书编号JS202403-0001）。"
)


def runhua_deadline() -> str:
    bill = SurchargeBill.objects.get(number="JS202403-0001")
    issued_on = bill.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    return (issued_on + datetime.timedelta(days=15)).isoformat()


@pytest.fixture
def demo_outboxes(settings, tmp_path):
    """The demo's way of sending: e-mail and SMS written to files, as soon as the change commits."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox" / "mail")
    settings.CIVIC_SMS_BACKEND = "civic.notices.sms.FileSmsBackend"
    settings.CIVIC_SMS_FILE_PATH = str(tmp_path / "outbox" / "sms")
    settings.CIVIC_SEND_NOTICES_ON_COMMIT = True
    return tmp_path / "outbox"


def test_a_surcharge_bill_reaches_the_reporter_in_the_app_and_the_demo_outboxes(
    reachable, demo_outboxes, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bill_march(reachable)
    text = RUNHUA_BILL_TEXT.format(deadline=runhua_deadline())

    notice = Notice.objects.get(recipient=reachable.runhua_reporter, kind=NoticeKind.BILL_DUE)
    assert notice.subject == "超计划用水累进加价费缴纳通知（JS202403-0001）"
    assert notice.body == text
    assert notice.link == reverse("water:bill_detail", kwargs={"number": "JS202403-0001"})
    # In the app: the unread count in the navigation bar, and the notice itself.
    sign_in(client, reachable.runhua_reporter)
    page = client.get(reverse("notices:notice_list")).content.decode()
    assert 'id="unread-notice-count"' in page and "JS202403-0001" in page
    assert text in client.get(reverse("notices:notice_detail", kwargs={"notice_id": notice.pk})).content.decode()

    # In the mail outbox: one file per sending, holding the message to Li Qiang's address.
    mail_files = list((demo_outboxes / "mail").iterdir())
    written = "".join(path.read_text(encoding="utf-8") for path in mail_files)
    assert "To: liqiang@runhua.example.com" in written
    assert "JS202403-0001" in written  # the subject is MIME-encoded; the number shows through
    # In the SMS outbox: one file per message, the phone first, then the Chinese text.
    delivery = notice.deliveries.get(channel=Channel.SMS)
    sms_file = demo_outboxes / "sms" / f"delivery-{delivery.pk}.txt"
    assert sms_file.read_text(encoding="utf-8") == f"To: 13900000001\n\n{text}\n"
    states = dict(notice.deliveries.values_list("channel", "state"))
    assert states == {Channel.IN_APP: DeliveryState.SENT, Channel.EMAIL: DeliveryState.SENT, Channel.SMS: "sent"}
    # Xinglong's reporter hears of Xinglong's bill only.
    assert list(Notice.objects.filter(recipient=reachable.xinglong_reporter).values_list("subject", flat=True)) == [
        "超计划用水累进加价费缴纳通知（JS202403-0002）"
    ]


def test_a_rerun_of_the_period_that_bills_the_same_tells_no_one_twice(reachable):
    bill_march(reachable)
    compute_bills(*MARCH)
    assert Notice.objects.filter(recipient=reachable.runhua_reporter, kind=NoticeKind.BILL_DUE).count() == 1


def test_without_the_demos_sending_mail_and_sms_wait_for_send_notices(reachable):
    bill_march(reachable)
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert Delivery.objects.filter(state=DeliveryState.PENDING).count() == 4  # e-mail and SMS, to each reporter

    call_command("send_notices", "--no-checks", stdout=(output := _Output()))
    assert output.text == "notices=0 sent=4 failed=0\n"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "liqiang@runhua.example.com",
        "zhaomin@xinglong.example.com",
    ]
    assert sorted(message.phone for message in MemorySmsBackend.outbox) == ["13900000001", "13900000002"]
    runhua_mail = next(message for message in mail.outbox if message.to == ["liqiang@runhua.example.com"])
    assert runhua_mail.body.endswith("http://127.0.0.1:8000/water/bills/JS202403-0001/")
    call_command("send_notices", "--no-checks", stdout=(again := _Output()))
    assert again.text == "notices=0 sent=0 failed=0\n"


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


class BrokenGateway(SmsBackend):
    def send(self, message: SmsMessage) -> None:
        raise SmsError("网关返回：余额不足")


def test_a_failed_sms_is_kept_with_its_reason_and_tried_again_up_to_the_limit(reachable, settings):
    settings.CIVIC_SMS_BACKEND = f"{__name__}.BrokenGateway"
    settings.CIVIC_NOTICE_MAX_ATTEMPTS = 3
    bill_march(reachable)
    runhua_sms = Delivery.objects.get(notice__recipient=reachable.runhua_reporter, channel=Channel.SMS)
    for attempt in (1, 2, 3):
        run = actions.deliver_pending()
        assert (run.sent, run.failed) == ((2, 2) if attempt == 1 else (0, 2))
        runhua_sms.refresh_from_db()
        assert (runhua_sms.state, runhua_sms.attempts) == (DeliveryState.FAILED, attempt)
        assert runhua_sms.failure_reason == "网关返回：余额不足"
    assert actions.deliver_pending().failed == 0  # three attempts: given up, left failed for staff to see
    runhua_sms.refresh_from_db()
    assert runhua_sms.attempts == 3


def test_a_failed_sms_that_goes_through_later_is_sent(reachable, settings):
    settings.CIVIC_SMS_BACKEND = f"{__name__}.BrokenGateway"
    bill_march(reachable)
    actions.deliver_pending()
    settings.CIVIC_SMS_BACKEND = "civic.notices.sms.MemorySmsBackend"
    assert actions.deliver_pending().sent == 2
    sms = Delivery.objects.get(notice__recipient=reachable.runhua_reporter, channel=Channel.SMS)
    assert (sms.state, sms.attempts, sms.failure_reason) == (DeliveryState.SENT, 2, "")


def test_two_senders_never_send_the_same_message(reachable):
    """Both senders read the delivery as pending; only the first one's claim takes it."""
    bill_march(reachable)
    delivery = Delivery.objects.filter(state=DeliveryState.PENDING).first()
    assert delivery is not None
    now = datetime.datetime.now(datetime.UTC)
    assert actions._claim(delivery, now) is True
    assert actions._claim(delivery, now) is False


def test_a_message_whose_sender_died_is_taken_up_again_after_a_while(reachable):
    bill_march(reachable)
    delivery = Delivery.objects.filter(state=DeliveryState.PENDING).first()
    assert delivery is not None
    started = datetime.datetime(2024, 4, 1, 9, 0, tzinfo=datetime.UTC)
    assert actions._claim(delivery, started)
    assert not actions.due_deliveries(started + datetime.timedelta(minutes=5)).filter(pk=delivery.pk).exists()
    assert actions.due_deliveries(started + datetime.timedelta(minutes=11)).filter(pk=delivery.pk).exists()


def test_a_reporter_who_turns_sms_off_gets_bills_in_the_app_and_by_email_only(reachable):
    NoticePreferences.objects.filter(user=reachable.runhua_reporter).update(sms_kinds=[NoticeKind.PLAN_ISSUED])
    bill_march(reachable)
    notice = Notice.objects.get(recipient=reachable.runhua_reporter, kind=NoticeKind.BILL_DUE)
    assert sorted(notice.deliveries.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.IN_APP]


def test_a_notice_is_written_in_the_recipients_language(reachable):
    NoticePreferences.objects.filter(user=reachable.runhua_reporter).update(language="en")
    bill_march(reachable)
    notice = Notice.objects.get(recipient=reachable.runhua_reporter, kind=NoticeKind.BILL_DUE)
    assert notice.subject == "Over-plan surcharge bill JS202403-0001"
    assert notice.body == (
        "常州润华印染有限公司 used 300 m³ over its plan from 2024-03-01 to 2024-03-31: an over-plan surcharge "
        f"of ¥2,000.00 is due by {runhua_deadline()} (bill JS202403-0001)."
    )


def test_a_user_without_contact_details_is_told_in_the_app_only(cast):
    bill_march(cast)
    notice = Notice.objects.get(recipient=cast.runhua_reporter, kind=NoticeKind.BILL_DUE)
    assert list(notice.deliveries.values_list("channel", flat=True)) == [Channel.IN_APP]


def test_the_daily_check_tells_of_an_overdue_bill_once(reachable):
    bill_march(reachable)
    bill = SurchargeBill.objects.get(number="JS202403-0001")
    SurchargeBill.objects.filter(pk=bill.pk).update(created_at=datetime.datetime(2024, 4, 2, 9, tzinfo=datetime.UTC))
    # Issued on 2024-04-02: payable until 2024-04-17, overdue from 2024-04-18 (Xinglong's bill is issued today).
    assert actions.run_sweeps(datetime.date(2024, 4, 17)) == 0
    assert actions.run_sweeps(datetime.date(2024, 4, 18)) == 1
    assert actions.run_sweeps(datetime.date(2024, 4, 19)) == 0
    notice = Notice.objects.get(kind=NoticeKind.BILL_OVERDUE)
    assert notice.recipient == reachable.runhua_reporter
    assert notice.body == (
        "常州润华印染有限公司的缴费通知书JS202403-0001应于2024-04-17前缴纳的超计划用水累进加价费2,000.00元"
        "尚未缴纳，请尽快缴纳或与节水办联系。"
    )


def test_the_reporter_is_told_when_a_plan_is_issued_and_an_adjustment_decided(cast):
    plan = issue_plan(cast.runhua, 1000, status=PlanStatus.UNDER_REVIEW)
    plan_actions.issue_plan(plan, cast.bureau_staff)
    request = PlanAdjustmentRequest.objects.create(
        plan=plan, requested_by=cast.runhua_reporter, requested_volume_m3=13_000, reason="新增一条染色生产线"
    )
    plan_actions.decide_plan_adjustment(request, cast.bureau_admin, approve=False, note="用水量增加的依据不足")
    subjects = list(Notice.objects.filter(recipient=cast.runhua_reporter).order_by("pk").values_list("subject", "body"))
    assert subjects == [
        (
            "2024年度用水计划已下达",
            "常州润华印染有限公司2024年度用水计划已下达：全年12,000立方米。月度分配和计划通知书见计划页面。",
        ),
        (
            "2024年度用水计划调整申请未获批准",
            "常州润华印染有限公司申请将2024年度用水计划调整为13,000立方米，未获批准，"
            "计划仍为全年12,000立方米。节水办意见：用水量增加的依据不足",
        ),
    ]
    assert not Notice.objects.filter(recipient=cast.xinglong_reporter).exists()


def test_a_user_never_sees_another_users_notice(reachable, client):
    bill_march(reachable)
    runhua_notice = Notice.objects.get(recipient=reachable.runhua_reporter, kind=NoticeKind.BILL_DUE)
    for person in (reachable.xinglong_reporter, reachable.bureau_admin):
        sign_in(client, person)
        url = reverse("notices:notice_detail", kwargs={"notice_id": runhua_notice.pk})
        assert client.get(url).status_code == 404
        assert "JS202403-0001" not in client.get(reverse("notices:notice_list")).content.decode()
        client.post(reverse("notices:mark_all_read"))
    runhua_notice.refresh_from_db()
    assert runhua_notice.read_at is None


def test_opening_a_notice_marks_it_read_and_the_count_falls(reachable, client):
    bill_march(reachable)
    notice = Notice.objects.get(recipient=reachable.runhua_reporter)
    sign_in(client, reachable.runhua_reporter)
    assert client.get(reverse("notices:notice_list")).context["unread_notice_count"] == 1
    client.get(reverse("notices:notice_detail", kwargs={"notice_id": notice.pk}))
    assert client.get(reverse("notices:notice_list")).context["unread_notice_count"] == 0


def test_the_list_searches_and_pages(reachable, client):
    for number in range(25):
        actions.notify(
            [reachable.runhua_reporter],
            NoticeKind.PLAN_ISSUED,
            actions.Message("第%(n)s号", "正文", {"n": number}),
            "",
            f"test:{number}",
        )
    sign_in(client, reachable.runhua_reporter)
    first_page = client.get(reverse("notices:notice_list")).context["page"]
    assert (first_page.paginator.count, len(first_page.object_list)) == (25, 20)
    found = client.get(reverse("notices:notice_list"), {"q": "第7号"}).context["page"]
    assert [notice.subject for notice in found] == ["第7号"]


def test_preferences_explain_what_is_missing_and_keep_nothing_of_a_bad_form(cast, client):
    sign_in(client, cast.runhua_reporter)
    response = client.post(
        reverse("notices:preferences"),
        {"language": "zh-hans", "email": "", "phone": "1234", "sms_kinds": [NoticeKind.BILL_DUE]},
    )
    errors = response.context["form"].errors
    assert errors["phone"] == ["请输入11位手机号码，例如13812345678。"]
    assert not NoticePreferences.objects.filter(user=cast.runhua_reporter).exists()

    response = client.post(
        reverse("notices:preferences"),
        {
            "language": "en",
            "email": "liqiang@runhua.example.com",
            "phone": "13900000001",
            "email_kinds": [NoticeKind.BILL_DUE, NoticeKind.BILL_OVERDUE],
            "sms_kinds": [NoticeKind.BILL_OVERDUE],
        },
    )
    assert response.status_code == 302
    saved = NoticePreferences.objects.get(user=cast.runhua_reporter)
    assert (saved.language, saved.phone, saved.email_kinds, saved.sms_kinds) == (
        "en",
        "13900000001",
        ["bill_due", "bill_overdue"],
        ["bill_overdue"],
    )
    cast.runhua_reporter.refresh_from_db()
    assert cast.runhua_reporter.email == "liqiang@runhua.example.com"


def test_the_admin_shows_staff_the_deliveries(reachable, client):
    bill_march(reachable)
    reachable.bureau_admin.is_superuser = True
    reachable.bureau_admin.save()
    client.force_login(reachable.bureau_admin)
    page = client.get(reverse("admin:notices_delivery_changelist")).content.decode()
    assert "13900000001" in page and "liqiang@runhua.example.com" in page


def test_the_sms_file_backend_writes_one_file_per_message(settings, tmp_path):
    from civic.notices.sms import FileSmsBackend

    settings.CIVIC_SMS_FILE_PATH = str(tmp_path / "sms")
    FileSmsBackend().send(SmsMessage("delivery-1", "13900000001", "您好"))
    FileSmsBackend().send(SmsMessage("delivery-2", "13900000002", "再见"))
    assert sorted(path.name for path in Path(tmp_path / "sms").iterdir()) == ["delivery-1.txt", "delivery-2.txt"]


def test_a_notice_told_twice_at_the_same_moment_is_kept_once_and_undoes_nothing(cast):
    """Two runs that both found no notice yet: the second's insert meets the unique event and is dropped alone."""

    def told() -> Notice:
        return Notice(
            recipient=cast.runhua_reporter, kind=NoticeKind.BILL_OVERDUE, subject="逾期", body="逾期", key="k"
        )

    assert actions._create_notice(told()) is not None
    assert actions._create_notice(told()) is None
    assert Notice.objects.filter(key="k").count() == 1  # the surrounding transaction goes on


def test_the_queue_job_sends_what_waits(reachable):
    bill_march(reachable)
    job, _queued = jobs.enqueue(
        JobKind.NOTICES, notice_jobs.send_notices, arguments={"due_at": timezone.now().isoformat()}
    )
    job.refresh_from_db()  # the suite runs a queued job at once (CIVIC_JOBS_RUN_AT_ONCE)
    assert job.result == {"notices": 0, "sent": 4, "failed": 0}
    assert len(mail.outbox) == 2 and len(MemorySmsBackend.outbox) == 2


def test_preferences_offer_the_kinds_of_the_users_role(cast, client):
    sign_in(client, cast.runhua_reporter)
    offered = [
        value
        for value, _label in client.get(reverse("notices:preferences")).context["form"].fields["sms_kinds"].choices
    ]
    assert offered == ["plan_issued", "bill_due", "bill_overdue", "adjustment_decided"]
    sign_in(client, cast.inspector)
    offered = [
        value
        for value, _label in client.get(reverse("notices:preferences")).context["form"].fields["sms_kinds"].choices
    ]
    assert offered == ["case_action"]
    sign_in(client, cast.network_analyst)
    offered = [
        value
        for value, _label in client.get(reverse("notices:preferences")).context["form"].fields["sms_kinds"].choices
    ]
    assert offered == ["alarm_assigned"]
    sign_in(client, cast.clinic_staff)
    page = client.get(reverse("notices:preferences"))
    assert page.context["form"].fields["sms_kinds"].choices == []
    assert "您的角色目前不接收邮件或短信通知。" in page.content.decode()
