"""Writes of notices: telling people of an event, sending what waits, marking read, setting preferences.

Services call `notify` (people with an account) or `notify_by_sms` (people
without one) where their record changes, inside the change's own transaction:
the notice exists exactly when the change does. E-mail and SMS leave later,
in `deliver_pending` (run by `manage.py send_notices` or a background job; the
demo also runs it when the change commits), so a slow gateway never holds up a
page, and a failed message is tried again up to CIVIC_NOTICE_MAX_ATTEMPTS times.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.functional import Promise

from civic.core.models import User
from civic.notices.models import Channel, Delivery, DeliveryState, Notice, NoticeKind, NoticePreferences
from civic.notices.sms import SmsMessage, sms_backend

logger = logging.getLogger(__name__)

# A delivery left "being sent" this long (its sender was killed mid-send) may be taken up again.
STALE_SENDING = datetime.timedelta(minutes=10)
# Sent when an e-mail or SMS of a notice has gone (arguments: notice, channel, sent_at), for a service that
# keeps its own record of it (e.g. a renewal reminder's "sent").
message_sent = Signal()
# Services' daily checks (an overdue bill, a missed deadline), run by `send_notices` before it sends.
SWEEPS: list[Callable[[datetime.date], int]] = []


def register_sweep(sweep: Callable[[datetime.date], int]) -> Callable[[datetime.date], int]:
    """Have `send_notices` run `sweep(today)` (which notifies of what became due and returns how many)."""
    if sweep not in SWEEPS:
        SWEEPS.append(sweep)
    return sweep


def run_sweeps(today: datetime.date) -> int:
    return sum(sweep(today) for sweep in SWEEPS)


@dataclass(frozen=True)
class Message:
    """What to say, as msgids and their values; rendered in each recipient's own language."""

    subject: str | Promise
    body: str | Promise
    values: Mapping[str, Any]

    def rendered(self, language: str) -> tuple[str, str]:
        with translation.override(language):
            values = {name: str(value) if isinstance(value, Promise) else value for name, value in self.values.items()}
            return str(self.subject) % values, str(self.body) % values


def preferences_for(user: User) -> NoticePreferences:
    """The user's preferences, or the defaults (every kind by e-mail and SMS, in Chinese) when none are saved."""
    try:
        return user.notice_preferences
    except NoticePreferences.DoesNotExist:
        return NoticePreferences(user=user, email_kinds=list(NoticeKind.values), sms_kinds=list(NoticeKind.values))


def _addresses(user: User, preferences: NoticePreferences) -> dict[str, str]:
    return {Channel.IN_APP: "", Channel.EMAIL: user.email.strip(), Channel.SMS: preferences.phone.strip()}


def notify(recipients: Iterable[User], kind: str, message: Message, link: str, key: str) -> list[Notice]:
    """Tell each active recipient of one event, once: a notice in the app, and e-mail and SMS as they chose.

    `key` names the event (e.g. "water.bill_overdue:42"); a recipient already
    told of it is not told again, even by a run at the same moment.
    """
    notices = []
    for user in recipients:
        if not user.is_active or Notice.objects.filter(recipient=user, key=key).exists():
            continue
        preferences = preferences_for(user)
        subject, body = message.rendered(preferences.language)
        addresses = _addresses(user, preferences)
        channels = [
            channel for channel in preferences.channels_for(kind) if channel == Channel.IN_APP or addresses[channel]
        ]
        notice = _create_notice(Notice(recipient=user, kind=kind, subject=subject[:200], body=body, link=link, key=key))
        if notice is not None:
            for channel in channels:
                _create_delivery(notice, channel, addresses[channel])
            notices.append(notice)
    _send_on_commit(notices)
    return notices


def notify_by_sms(name: str, phone: str, kind: str, message: Message, key: str) -> Notice | None:
    """Tell a person without an account (e.g. a dog's owner) by SMS, in Chinese, once per event."""
    if not phone.strip() or Notice.objects.filter(recipient=None, recipient_name=name, key=key).exists():
        return None
    subject, body = message.rendered(settings.LANGUAGE_CODE)
    notice = _create_notice(Notice(recipient_name=name, kind=kind, subject=subject[:200], body=body, key=key))
    if notice is not None:
        _create_delivery(notice, Channel.SMS, phone.strip())
        _send_on_commit([notice])
    return notice


def _create_notice(notice: Notice) -> Notice | None:
    """Save the notice, or nothing when another run told the same person of the same event a moment ago.

    The savepoint keeps that collision from undoing the change that caused the notice.
    """
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        return None
    return notice


def _create_delivery(notice: Notice, channel: str, address: str) -> Delivery:
    if channel == Channel.IN_APP:
        now = timezone.now()
        return Delivery.objects.create(
            notice=notice, channel=channel, state=DeliveryState.SENT, attempts=1, last_attempt_at=now, sent_at=now
        )
    return Delivery.objects.create(notice=notice, channel=channel, address=address)


def _send_on_commit(notices: list[Notice]) -> None:
    """In the demo (CIVIC_SEND_NOTICES_ON_COMMIT), send the e-mail and SMS as soon as the change commits."""
    if notices and settings.CIVIC_SEND_NOTICES_ON_COMMIT:
        transaction.on_commit(deliver_pending)


# --- Sending ----------------------------------------------------------------------


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0


def due_deliveries(now: datetime.datetime) -> models.QuerySet[Delivery]:
    """E-mail and SMS waiting to be sent, failed ones with attempts left, and ones whose sender died mid-send."""
    attempts_left = models.Q(attempts__lt=settings.CIVIC_NOTICE_MAX_ATTEMPTS)
    waiting = models.Q(state__in=(DeliveryState.PENDING, DeliveryState.FAILED))
    abandoned = models.Q(state=DeliveryState.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    return Delivery.objects.exclude(channel=Channel.IN_APP).filter(attempts_left & (waiting | abandoned)).order_by("pk")


def _claim(delivery: Delivery, now: datetime.datetime) -> bool:
    """Take the delivery for this sender: one atomic update, so two senders never send the same message."""
    claimed = (
        due_deliveries(now)
        .filter(pk=delivery.pk, state=delivery.state, attempts=delivery.attempts)
        .update(state=DeliveryState.SENDING, attempts=models.F("attempts") + 1, last_attempt_at=now)
    )
    return claimed == 1


def check_and_send(today: datetime.date | None, limit: int | None = None) -> tuple[int, DeliveryRun]:
    """The daily checks of `today` (none when None), then the e-mail and SMS that wait; (notices made, the run)."""
    notified = run_sweeps(today) if today is not None else 0
    return notified, deliver_pending(limit=limit)


def deliver_pending(limit: int | None = None) -> DeliveryRun:
    """Send the e-mail and SMS that wait, each on its own: a failure is recorded with its reason and retried later."""
    run = DeliveryRun()
    now = timezone.now()
    deliveries = list(due_deliveries(now).select_related("notice")[:limit])
    backend = sms_backend() if any(delivery.channel == Channel.SMS for delivery in deliveries) else None
    for delivery in deliveries:
        if not _claim(delivery, now):
            continue
        try:
            _send(delivery, backend)
        except Exception as error:  # each message on its own: one failure never stops the others
            Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED, failure_reason=str(error))
            logger.warning("Notice delivery %s failed: %s", delivery.pk, error)
            run.failed += 1
        else:
            sent_at = timezone.now()
            Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SENT, sent_at=sent_at, failure_reason="")
            for receiver, outcome in message_sent.send_robust(
                sender=Delivery, notice=delivery.notice, channel=delivery.channel, sent_at=sent_at
            ):
                if isinstance(outcome, Exception):
                    logger.error("Recording delivery %s as sent in %s failed: %s", delivery.pk, receiver, outcome)
            run.sent += 1
    return run


def _send(delivery: Delivery, backend: Any) -> None:
    notice = delivery.notice
    if delivery.channel == Channel.EMAIL:
        text = f"{notice.body}\n\n{settings.CIVIC_SITE_URL.rstrip('/')}{notice.link}" if notice.link else notice.body
        send_mail(notice.subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.address], fail_silently=False)
    else:
        backend.send(SmsMessage(reference=f"delivery-{delivery.pk}", phone=delivery.address, text=notice.body))


# --- Reading and preferences ------------------------------------------------------


def mark_read(notices: models.QuerySet[Notice]) -> int:
    return notices.filter(read_at=None).update(read_at=timezone.now())


@transaction.atomic
def save_preferences(
    user: User, language: str, email: str, phone: str, email_kinds: list[str], sms_kinds: list[str]
) -> NoticePreferences:
    """Keep what the user chose, with their e-mail address on the account itself."""
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    preferences = preferences_for(user)
    preferences.language, preferences.phone = language, phone
    preferences.email_kinds, preferences.sms_kinds = sorted(email_kinds), sorted(sms_kinds)
    preferences.full_clean()
    preferences.save()
    return preferences
