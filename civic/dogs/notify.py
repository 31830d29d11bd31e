"""Who hears of a dog-management record that needs them, and what they are told (through civic.notices).

Owners have no account: their renewal reminders go by SMS to the phone on the
register. Cases go to the people who work them: a new case to the dog office,
which decides it; a case given to an inspector to that inspector; an order to
correct whose deadline has passed to the people who recorded, handle and
decided it, who follow it up. The people to tell are found
here only (`dog_office_staff`, `case_workers`). Each hook is one call at the
end of the action that makes the change.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role, User
from civic.dogs.models import CaseStatus, ReminderKind, RenewalReminder, ViolationCase
from civic.notices.actions import Message, message_sent, notify, notify_by_sms, register_sweep
from civic.notices.models import Notice, NoticeKind


def dog_office_staff() -> QuerySet[User]:
    return User.objects.filter(role=Role.DOG_OFFICE_STAFF, is_active=True)


def case_workers(case: ViolationCase) -> list[User]:
    """The inspector who recorded the case, the one who handles it and whoever decided it (one person told once)."""
    people = {case.recorded_by_id: case.recorded_by}
    if case.assignee_id is not None and case.assignee is not None:
        people[case.assignee_id] = case.assignee
    if case.decided_by_id is not None and case.decided_by is not None:
        people[case.decided_by_id] = case.decided_by
    return list(people.values())


RENEWAL_KEY = "dogs.renewal:"


def renewal_reminders(on: datetime.date, kind: str) -> int:
    """Send the owners, by SMS, the reminders of `kind` queued on `on` and not withdrawn: once each."""
    reminders = RenewalReminder.objects.filter(queued_on=on, kind=kind, withdrawn_on=None).select_related(
        "licence__dog__owner"
    )
    sent = 0
    for reminder in reminders:
        licence = reminder.licence
        values = {"dog": licence.dog.name, "number": licence.number, "expires_on": reminder.expires_on.isoformat()}
        if reminder.kind == ReminderKind.OVERDUE:
            body = _(
                "The licence %(number)s of your dog “%(dog)s” expired on %(expires_on)s: please renew it at a "
                "service point as soon as you can, bringing the dog's immunisation certificate."
            )
        else:
            body = _(
                "The licence %(number)s of your dog “%(dog)s” expires on %(expires_on)s: please renew it at a "
                "service point before then, bringing the dog's immunisation certificate."
            )
        message = Message(_("Dog licence renewal reminder"), body, values)
        owner = licence.dog.owner
        key = f"{RENEWAL_KEY}{reminder.pk}"
        sent += notify_by_sms(owner.name, reminder.phone, NoticeKind.LICENCE_RENEWAL, message, key) is not None
    return sent


@receiver(message_sent)
def mark_reminder_sent(sender: object, notice: Notice, sent_at: datetime.datetime, **kwargs: object) -> None:
    """A reminder's SMS has gone: the licence's page and the renewals list show it sent."""
    if notice.key.startswith(RENEWAL_KEY):
        reminder_id = int(notice.key.removeprefix(RENEWAL_KEY))
        RenewalReminder.objects.filter(pk=reminder_id, sent_at=None).update(sent_at=sent_at)


def _case_values(case: ViolationCase) -> dict[str, object]:
    return {
        "number": case.number,
        "violation": case.violation_type.name,
        "place": case.place.name,
        "observed_on": case.observed_on.isoformat(),
        "inspector": case.recorded_by.get_full_name() or case.recorded_by.get_username(),
        "correct_by": case.correct_by.isoformat() if case.correct_by else "",
    }


def case_opened(case: ViolationCase) -> int:
    message = Message(
        _("Case %(number)s awaits a decision"),
        _(
            "Case %(number)s (%(violation)s, at %(place)s, seen on %(observed_on)s) was opened by %(inspector)s "
            "and awaits a decision."
        ),
        _case_values(case),
    )
    link = reverse("dogs:case_detail", kwargs={"number": case.number})
    return len(notify(dog_office_staff(), NoticeKind.CASE_ACTION, message, link, f"dogs.case_opened:{case.pk}"))


def case_assigned(case: ViolationCase, by: User) -> int:
    """Tell the inspector a case was given to (by `by`); each assignment is told once."""
    if case.assignee is None:
        return 0
    values = {**_case_values(case), "by": by.get_full_name() or by.get_username()}
    message = Message(
        _("Case %(number)s is yours to handle"),
        _("%(by)s gave you case %(number)s (%(violation)s, at %(place)s, seen on %(observed_on)s) to handle."),
        values,
    )
    link = reverse("dogs:case_detail", kwargs={"number": case.number})
    assignment = case.history.order_by("-history_id").values_list("history_id", flat=True).first()
    key = f"dogs.case_assigned:{case.pk}:{assignment}"
    return len(notify([case.assignee], NoticeKind.CASE_ACTION, message, link, key))


def follow_up_due(case: ViolationCase) -> int:
    message = Message(
        _("Case %(number)s: the deadline to correct has passed"),
        _(
            "The order of case %(number)s to correct by %(correct_by)s has reached its deadline: follow it up "
            "and record whether it was corrected."
        ),
        _case_values(case),
    )
    link = reverse("dogs:case_detail", kwargs={"number": case.number})
    key = f"dogs.follow_up_due:{case.pk}:{case.correct_by}"
    return len(notify(case_workers(case), NoticeKind.CASE_ACTION, message, link, key))


@register_sweep
def notify_follow_ups_due(today: datetime.date) -> int:
    """The daily check: tell the case workers of each order to correct whose deadline has passed, once."""
    cases = ViolationCase.objects.filter(status=CaseStatus.CORRECTION_ORDERED, correct_by__lt=today).select_related(
        "recorded_by", "assignee", "decided_by", "violation_type", "place"
    )
    return sum(follow_up_due(case) for case in cases)
