"""Writes of a surcharge bill's life after it is computed: delivery, payment, objection, cancellation.

A bill is issued when computed, delivered to the user (送达), then paid; or
cancelled with a reason; or objected to (复核申请) and the objection decided:
upheld, the bill is cancelled; dismissed, the bill stands and stays due. The
payment falls due during the objection: the notice says the review does not
stop it. Every change is a dated, authored row in the bill's history.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from civic.core.models import User
from civic.water.actions.plans import save_with_author
from civic.water.models import BillStatus, ObjectionOutcome, SurchargeBill


def _locked(bill: SurchargeBill, allowed: tuple[str, ...]) -> SurchargeBill:
    locked = SurchargeBill.objects.select_for_update().get(pk=bill.pk)
    if locked.status not in allowed:
        raise ValidationError(
            _("Bill %(number)s is %(status)s: this step does not apply to it."),
            params={"number": locked.number, "status": locked.get_status_display()},
        )
    return locked


def _check_day(bill: SurchargeBill, day: datetime.date, field: str, today: datetime.date | None) -> None:
    issued_on = timezone.localdate(bill.created_at)
    if day < issued_on:
        raise ValidationError({field: _("The bill was issued on %(day)s, after this date.") % {"day": issued_on}})
    if day > (today or timezone.localdate()):
        raise ValidationError({field: _("The date is in the future.")})


def _stated(text: str, missing: StrOrPromise) -> str:
    """The text a step writes down, trimmed; a blank one is refused with `missing`, on the text field."""
    if not text.strip():
        raise ValidationError({"text": missing})
    return text.strip()


@transaction.atomic
def record_delivery(
    bill: SurchargeBill, delivered_on: datetime.date, by_user: User, today: datetime.date | None = None
) -> SurchargeBill:
    bill = _locked(bill, (BillStatus.ISSUED,))
    _check_day(bill, delivered_on, "day", today)
    bill.status, bill.delivered_on = BillStatus.DELIVERED, delivered_on
    save_with_author(bill, by_user)
    return bill


@transaction.atomic
def record_payment(
    bill: SurchargeBill, paid_on: datetime.date, reference: str, by_user: User, today: datetime.date | None = None
) -> SurchargeBill:
    bill = _locked(bill, (BillStatus.ISSUED, BillStatus.DELIVERED, BillStatus.OBJECTED))
    _check_day(bill, paid_on, "day", today)
    bill.status, bill.paid_on, bill.payment_reference = BillStatus.PAID, paid_on, reference
    save_with_author(bill, by_user)
    return bill


@transaction.atomic
def cancel_bill(
    bill: SurchargeBill, cancelled_on: datetime.date, reason: str, by_user: User, today: datetime.date | None = None
) -> SurchargeBill:
    bill = _locked(bill, (BillStatus.ISSUED, BillStatus.DELIVERED, BillStatus.OBJECTED))
    reason = _stated(reason, _("Say why the bill is cancelled."))
    _check_day(bill, cancelled_on, "day", today)
    bill.status, bill.cancelled_on, bill.cancellation_reason = BillStatus.CANCELLED, cancelled_on, reason
    save_with_author(bill, by_user)
    return bill


@transaction.atomic
def record_objection(
    bill: SurchargeBill, received_on: datetime.date, objection: str, by_user: User, today: datetime.date | None = None
) -> SurchargeBill:
    bill = _locked(bill, (BillStatus.ISSUED, BillStatus.DELIVERED))
    objection = _stated(objection, _("Write down what the user objects to."))
    _check_day(bill, received_on, "day", today)
    bill.status, bill.objection_received_on, bill.objection = BillStatus.OBJECTED, received_on, objection
    save_with_author(bill, by_user)
    return bill


@transaction.atomic
def decide_objection(
    bill: SurchargeBill,
    decided_on: datetime.date,
    outcome: str,
    decision: str,
    by_user: User,
    today: datetime.date | None = None,
) -> SurchargeBill:
    """Upheld: the bill is cancelled with the decision as its reason. Dismissed: it stands, delivered or issued."""
    bill = _locked(bill, (BillStatus.OBJECTED,))
    decision = _stated(decision, _("Give the reasons of the decision."))
    _check_day(bill, decided_on, "day", today)
    if bill.objection_received_on and decided_on < bill.objection_received_on:
        raise ValidationError(
            {"day": _("The objection was received on %(day)s, after this date.") % {"day": bill.objection_received_on}}
        )
    bill.objection_decided_on, bill.objection_outcome, bill.objection_decision = decided_on, outcome, decision
    if outcome == ObjectionOutcome.UPHELD:
        bill.status, bill.cancelled_on, bill.cancellation_reason = BillStatus.CANCELLED, decided_on, decision
    else:
        bill.status = BillStatus.DELIVERED if bill.delivered_on else BillStatus.ISSUED
    save_with_author(bill, by_user)
    return bill
