"""Who hears of a change to a water user's records, and what they are told (through civic.notices).

The people to tell are the water user's enterprise reporters, found in one
place (`reporters_of`), so a change of how accounts are bound to water users
touches this function only. Each hook below is one call at the end of the
action that makes the change; the notice is written in that action's
transaction.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role, User
from civic.notices.actions import Message, notify, register_sweep
from civic.notices.models import NoticeKind
from civic.water import notices as printed_notices
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    AnomalyKind,
    BillStatus,
    CustomerAlarm,
    DmaNightFlowAlarm,
    NetworkLeakAlarm,
    PlanAdjustmentRequest,
    SurchargeBill,
)


def reporters_of(water_user_id: int) -> QuerySet[User]:
    """The accounts that report for a water user: they receive its notices."""
    return User.objects.filter(
        role=Role.ENTERPRISE_REPORTER, water_user_reporter__water_user_id=water_user_id, is_active=True
    )


def _cubic_metres(volume_m3: float) -> str:
    return f"{volume_m3:,.0f}"


def plan_issued(plan: AnnualPlan) -> int:
    message = Message(
        _("Water plan for %(year)s issued"),
        _(
            "The annual water plan of %(water_user)s for %(year)s has been issued: %(volume)s m³ in the year. "
            "Its monthly split and the plan notice are on the plan's page."
        ),
        {"year": plan.year, "water_user": plan.water_user.name, "volume": _cubic_metres(plan.annual_volume_m3)},
    )
    link = reverse("water:plan_detail", kwargs={"plan_id": plan.pk})
    return len(
        notify(reporters_of(plan.water_user_id), NoticeKind.PLAN_ISSUED, message, link, f"water.plan_issued:{plan.pk}")
    )


def adjustment_decided(request: PlanAdjustmentRequest) -> None:
    plan = request.plan
    values = {
        "year": plan.year,
        "water_user": plan.water_user.name,
        "requested": _cubic_metres(request.requested_volume_m3),
        "volume": _cubic_metres(plan.annual_volume_m3),
        "note": request.decision_note or "—",
    }
    if request.status == AdjustmentStatus.APPROVED:
        message = Message(
            _("Plan adjustment for %(year)s approved"),
            _(
                "The request of %(water_user)s to change its %(year)s plan to %(requested)s m³ was approved: "
                "the plan is now %(volume)s m³ in the year. Note of the office: %(note)s"
            ),
            values,
        )
    else:
        message = Message(
            _("Plan adjustment for %(year)s rejected"),
            _(
                "The request of %(water_user)s to change its %(year)s plan to %(requested)s m³ was rejected: "
                "the plan stays %(volume)s m³ in the year. Note of the office: %(note)s"
            ),
            values,
        )
    link = reverse("water:plan_detail", kwargs={"plan_id": plan.pk})
    notify(
        reporters_of(plan.water_user_id), NoticeKind.ADJUSTMENT_DECIDED, message, link, f"water.adjustment:{request.pk}"
    )


def _bill_values(bill: SurchargeBill) -> dict[str, object]:
    return {
        "number": bill.number,
        "water_user": bill.water_user.name,
        "first_day": bill.period_start.isoformat(),
        "last_day": bill.period_end.isoformat(),
        "excess": _cubic_metres(bill.excess_m3),
        "amount": f"{bill.amount_yuan:,.2f}",
        "deadline": printed_notices.payment_deadline(bill).isoformat(),
    }


def bill_due(bill: SurchargeBill) -> None:
    message = Message(
        _("Over-plan surcharge bill %(number)s"),
        _(
            "%(water_user)s used %(excess)s m³ over its plan from %(first_day)s to %(last_day)s: an over-plan "
            "surcharge of ¥%(amount)s is due by %(deadline)s (bill %(number)s)."
        ),
        _bill_values(bill),
    )
    # One notice per bill as billed: a re-run of the period that bills the same amount tells no one twice.
    key = f"water.bill_due:{bill.water_user_id}:{bill.period_start}:{bill.period_end}:{bill.amount_yuan}"
    link = reverse("water:bill_detail", kwargs={"number": bill.number})
    notify(reporters_of(bill.water_user_id), NoticeKind.BILL_DUE, message, link, key)


def bills_due(first_day: datetime.date, last_day: datetime.date) -> None:
    """Tell each billed user of its new bill of the period (those still issued, i.e. just computed)."""
    bills = SurchargeBill.objects.filter(period_start=first_day, period_end=last_day, status=BillStatus.ISSUED)
    for bill in bills.select_related("water_user"):
        bill_due(bill)


def bill_overdue(bill: SurchargeBill) -> int:
    message = Message(
        _("Surcharge bill %(number)s is overdue"),
        _(
            "The over-plan surcharge of ¥%(amount)s on bill %(number)s of %(water_user)s was due by %(deadline)s "
            "and is not paid. Please pay it at once, or contact the water-saving office."
        ),
        _bill_values(bill),
    )
    link = reverse("water:bill_detail", kwargs={"number": bill.number})
    key = f"water.bill_overdue:{bill.pk}"
    return len(notify(reporters_of(bill.water_user_id), NoticeKind.BILL_OVERDUE, message, link, key))


@register_sweep
def notify_overdue_bills(today: datetime.date) -> int:
    """The daily check: tell the reporters of each bill past its payment deadline, once per bill."""
    from civic.water.views.bills import overdue_bills

    bills = overdue_bills(SurchargeBill.objects.select_related("water_user"), today)
    return sum(bill_overdue(bill) for bill in bills)


def alarm_assigned(alarm: CustomerAlarm | DmaNightFlowAlarm | NetworkLeakAlarm, by: User | None) -> int:
    """Tell the person an alarm was given to (by `by`; not when they took it themselves); each assignment is told
    once."""
    if alarm.assignee is None or alarm.assignee == by:
        return 0
    giver = (by.get_full_name() or by.get_username()) if by else _("The water-saving office")
    message, link = _alarm_message(alarm, giver)
    assignment = alarm.history.order_by("-history_id").values_list("history_id", flat=True).first()
    key = f"water.alarm_assigned:{alarm._meta.model_name}:{alarm.pk}:{assignment}"
    return len(notify([alarm.assignee], NoticeKind.ALARM_ASSIGNED, message, link, key))


def alarms_assigned(
    alarms: list[CustomerAlarm] | list[DmaNightFlowAlarm] | list[NetworkLeakAlarm], assignee: User, by: User | None
) -> int:
    """Tell `assignee` of the alarms given to them together (by `by`): one notice for the lot, linking to their
    open alarms of that list; one alarm is told of as `alarm_assigned` does."""
    if len(alarms) <= 1 or assignee == by:
        return sum(alarm_assigned(alarm, by) for alarm in alarms)
    giver = (by.get_full_name() or by.get_username()) if by else _("The water-saving office")
    night_flow = isinstance(alarms[0], DmaNightFlowAlarm)
    message = Message(
        _("%(count)s alarms are yours to follow up"),
        _("%(by)s gave you %(count)s %(kind)s to follow up; they are listed under your name on the alarms page."),
        {"by": giver, "count": len(alarms), "kind": _("night-flow alarms") if night_flow else _("customer alarms")},
    )
    page = "water:night_flow_alarm_list" if night_flow else "water:customer_alarm_list"
    link = f"{reverse(page)}?status=open&assignee={assignee.pk}"
    last = max(
        alarm.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0 for alarm in alarms
    )
    key = f"water.alarms_assigned:{alarms[0]._meta.model_name}:{assignee.pk}:{last}"
    return len(notify([assignee], NoticeKind.ALARM_ASSIGNED, message, link, key))


def _alarm_message(alarm: CustomerAlarm | DmaNightFlowAlarm | NetworkLeakAlarm, giver: object) -> tuple[Message, str]:
    """What the assignee is told of an alarm given by `giver`, and the link to its page."""
    if isinstance(alarm, CustomerAlarm):
        values = {"by": giver, "kind": AnomalyKind(alarm.kind).label, "meter": alarm.meter_code}
        message = Message(
            _("The alarm of meter %(meter)s is yours to follow up"),
            _("%(by)s gave you the alarm of meter %(meter)s (%(kind)s) to follow up: contact the customer, then "
              "close it with what was found."),
            values,
        )  # fmt: skip
        return message, reverse("water:customer_alarm_detail", args=[alarm.pk])
    if isinstance(alarm, DmaNightFlowAlarm):
        message = Message(
            _("The night-flow alarm of DMA %(dma)s is yours to follow up"),
            _("%(by)s gave you the night-flow alarm of DMA %(dma)s to follow up: look for the leak in the DMA, then "
              "close it with what was found and the volume recovered."),
            {"by": giver, "dma": alarm.dma_code},
        )  # fmt: skip
        return message, reverse("water:night_flow_alarm_detail", args=[alarm.pk])
    message = Message(
        _("The leak alarm at pipe %(pipe)s is yours to follow up"),
        _("%(by)s gave you the network leak alarm at pipe %(pipe)s to follow up: search its candidate area, then "
          "close it with what was found."),
        {"by": giver, "pipe": alarm.pipe_id},
    )  # fmt: skip
    return message, reverse("water:network_alarm_detail", args=[alarm.pk])
