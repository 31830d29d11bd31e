"""Notices to people: what they were told (in the app), and how each e-mail and SMS of it went.

A notice is written once, in its recipient's language, when a record changes
(a plan issued, a bill due, a case waiting). It always shows in the app to a
recipient who signs in; its e-mail and SMS are deliveries of their own, sent
outside the request (`civic.notices.actions.deliver_pending`), each with its
state, attempts and the reason of its last failure. People without an account
(a dog's owner) are reached by SMS only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role


class NoticeKind(models.TextChoices):
    """What a notice is about; a user chooses per kind whether it also comes by e-mail and SMS."""

    PLAN_ISSUED = "plan_issued", _("Water plan issued")
    BILL_DUE = "bill_due", _("Surcharge bill due")
    BILL_OVERDUE = "bill_overdue", _("Surcharge bill overdue")
    ADJUSTMENT_DECIDED = "adjustment_decided", _("Plan adjustment decided")
    LICENCE_RENEWAL = "licence_renewal", _("Dog licence due for renewal")
    CASE_ACTION = "case_action", _("Enforcement case needs action")
    ALARM_ASSIGNED = "alarm_assigned", _("Water-loss alarm assigned to you")


# Whose work each kind is about: the preferences page offers a user the kinds of their role (all to a superuser).
# A dog's owner, told of renewals, has no account.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    NoticeKind.PLAN_ISSUED: (Role.ENTERPRISE_REPORTER,),
    NoticeKind.BILL_DUE: (Role.ENTERPRISE_REPORTER,),
    NoticeKind.BILL_OVERDUE: (Role.ENTERPRISE_REPORTER,),
    NoticeKind.ADJUSTMENT_DECIDED: (Role.ENTERPRISE_REPORTER,),
    NoticeKind.LICENCE_RENEWAL: (),
    NoticeKind.CASE_ACTION: (Role.BUREAU_ADMIN, Role.DOG_OFFICE_STAFF, Role.INSPECTOR),
    NoticeKind.ALARM_ASSIGNED: (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.NETWORK_ANALYST),
}


def kinds_for(user: Any) -> list[tuple[str, Any]]:
    """The kinds of notice `user` may receive, as (value, label) choices."""
    return [(kind.value, kind.label) for kind in NoticeKind if user.is_superuser or user.role in KIND_ROLES[kind]]


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# A mainland mobile number: 11 digits starting with 1 (an optional +86 in front).
MOBILE_NUMBER = RegexValidator(r"^(\+86)?1[3-9]\d{9}$", _("Enter an 11-digit mobile number, e.g. 13812345678."))


class Notice(models.Model):
    """One thing one person is told: its subject and text as they read it, and a link to the record."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        help_text=_("Empty for a person without an account, reached by SMS only."),
    )
    recipient_name = models.CharField(_("recipient's name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link to the record"), max_length=300, blank=True)
    key = models.CharField(
        _("event"),
        max_length=200,
        help_text=_("The event the notice is about: one person is told of one event once."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notice_per_user_and_event"),
            models.UniqueConstraint(
                fields=["recipient_name", "key"],
                condition=models.Q(recipient__isnull=True),
                name="one_notice_per_person_and_event",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One way a notice goes out: in the app (shown at once), by e-mail or by SMS, with how it went."""

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True, help_text=_("E-mail address or phone."))
    state = models.CharField(
        _("state"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failure_reason = models.TextField(_("reason of the failure"), blank=True)

    class Meta:
        ordering = ["-notice__created_at", "channel"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="one_delivery_per_channel")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or self.notice.recipient}"


class NoticePreferences(models.Model):
    """What one user receives besides the app (which always shows every notice), where, and in which language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notice_preferences",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True, validators=[MOBILE_NUMBER])
    email_kinds = models.JSONField(_("kinds sent by e-mail"), default=list, blank=True)
    sms_kinds = models.JSONField(_("kinds sent by SMS"), default=list, blank=True)

    class Meta:
        verbose_name = _("notice preferences")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return str(self.user)

    def channels_for(self, kind: str) -> list[str]:
        """The channels a notice of `kind` goes by: the app always, e-mail and SMS as chosen."""
        channels = [Channel.IN_APP.value]
        if kind in self.email_kinds:
            channels.append(Channel.EMAIL.value)
        if kind in self.sms_kinds:
            channels.append(Channel.SMS.value)
        return channels
