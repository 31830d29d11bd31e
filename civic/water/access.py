"""Which water users' records a signed-in user may see, and who may ask for what.

Bureau roles see every water user; an enterprise reporter sees only the one it
is bound to (`water_user_of`); nobody else sees any. Plans, bills, metering
analyses, alarms and reuse studies follow from that and from the role. Every
page and endpoint that shows a water user's records goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civic.core.models import Role, User
from civic.core.permissions import BUREAU, user_has_role
from civic.water.models import (
    AnnualPlan,
    CustomerAlarm,
    DmaNightFlowAlarm,
    Meter,
    MeterCustomer,
    MeteringRun,
    PlanStatus,
    ReuseStudy,
    SurchargeBill,
    WaterUser,
    WaterUserReporter,
)

# Who opens the metering pages (DMAs, night flows, alarms): the bureau and the utility's network analysts.
METERING_ROLES = (*BUREAU, Role.NETWORK_ANALYST)


def water_user_of(user: Any) -> WaterUser | None:
    """The water user `user` reports for (their `WaterUserReporter` link); None when they have none."""
    link = reporter_link_of(user)
    return link.water_user if link else None


def water_user_id_of(user: Any) -> int | None:
    """The id of the water user `user` reports for; None when they have none."""
    link = reporter_link_of(user)
    return link.water_user_id if link else None


def reporter_link_of(user: Any) -> WaterUserReporter | None:
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    try:
        link: WaterUserReporter = user.water_user_reporter
    except WaterUserReporter.DoesNotExist:
        return None
    return link


def visible_water_users(user: Any) -> QuerySet[WaterUser]:
    if not user.is_authenticated:
        return WaterUser.objects.none()
    if user.is_bureau:
        return WaterUser.objects.all()
    if user.is_enterprise_reporter and (water_user_id := water_user_id_of(user)):
        return WaterUser.objects.filter(pk=water_user_id)
    return WaterUser.objects.none()


@dataclass(frozen=True)
class AlarmCustomer:
    """Whom to contact about an alarm on a meter: the register's water user, else the utility's customer."""

    name: str
    account: str
    address: str
    contact_name: str
    phone: str
    water_user: WaterUser | None = None

    def described(self) -> str:
        """One line to keep on an alarm when the customer is contacted: name, account, address, contact, phone."""
        parts = [self.name, self.account, self.address, self.contact_name, self.phone]
        return " · ".join(part for part in parts if part)


def alarm_customers(user: Any, meter_codes: Iterable[str]) -> dict[str, AlarmCustomer]:
    """The customer of each meter that has one, by meter code: the register's water user where the meter is
    registered and `user` may see the register, else the customer file's (`MeterCustomer`), which whoever sees
    the alarms may see."""
    codes = set(meter_codes)
    found = {}
    if user_has_role(user, METERING_ROLES):
        for customer in MeterCustomer.objects.filter(meter_code__in=codes):
            found[customer.meter_code] = AlarmCustomer(
                customer.name, customer.account, customer.address, "", customer.phone
            )
    for serial, water_user in registered_customers(user, codes).items():
        found[serial] = AlarmCustomer(
            water_user.name,
            water_user.code,
            water_user.address,
            water_user.contact_name,
            water_user.contact_phone,
            water_user,
        )
    return found


def contacted_customers(user: Any, alarms: Iterable[CustomerAlarm]) -> dict[int, str]:
    """The customer kept on each contacted alarm, by alarm id, of those `user` may see: a customer from the
    register only to whoever sees that water user (the utility's analyst does not see the register)."""
    contacted = [alarm for alarm in alarms if alarm.contacted_customer]
    registered = {alarm.contacted_water_user_id for alarm in contacted if alarm.contacted_water_user_id}
    visible = set(visible_water_users(user).filter(pk__in=registered).values_list("pk", flat=True))
    return {
        alarm.pk: alarm.contacted_customer
        for alarm in contacted
        if alarm.contacted_water_user_id is None or alarm.contacted_water_user_id in visible
    }


def registered_customers(user: Any, meter_codes: Iterable[str]) -> dict[str, WaterUser]:
    """The water users of the register whose meters carry these serials, by serial, of those `user` may see."""
    meters = Meter.objects.filter(serial__in=set(meter_codes), water_user__in=visible_water_users(user))
    return {meter.serial: meter.water_user for meter in meters.select_related("water_user")}


def visible_water_user_or_404(user: Any, code: str) -> WaterUser:
    """The water user with `code`, or 404 — also when it exists but is not the user's to see."""
    try:
        # The town's outline (GeoJSON) is large and no page of one water user draws it.
        return visible_water_users(user).select_related("industry", "town").defer("town__boundary").get(code=code)
    except WaterUser.DoesNotExist:
        raise Http404 from None


def visible_plans(user: User) -> QuerySet[AnnualPlan]:
    """Plans a user may open: every plan for the bureau; a reporter's own user's issued plans; else none."""
    plans = AnnualPlan.objects.select_related("water_user", "water_user__town", "issued_by", "proposed_by")
    if user.is_bureau:
        return plans
    if user.is_enterprise_reporter and (water_user_id := water_user_id_of(user)):
        return plans.filter(water_user_id=water_user_id, status=PlanStatus.ISSUED)
    return plans.none()


def visible_bills(user: Any) -> QuerySet[SurchargeBill]:
    """Surcharge bills of the water users `user` may see: all for the bureau, its own for a reporter."""
    return SurchargeBill.objects.filter(water_user__in=visible_water_users(user)).select_related(
        "water_user__town", "schedule"
    )


def visible_metering_runs(user: Any) -> QuerySet[MeteringRun]:
    """Metering analyses are the utility's and the bureau's: all of them for those roles, none for others."""
    runs = MeteringRun.objects.defer("zones")
    return runs if user_has_role(user, METERING_ROLES) else runs.none()


def visible_customer_alarms(user: Any) -> QuerySet[CustomerAlarm]:
    return CustomerAlarm.objects.filter(run__in=visible_metering_runs(user))


def visible_night_flow_alarms(user: Any) -> QuerySet[DmaNightFlowAlarm]:
    return DmaNightFlowAlarm.objects.filter(run__in=visible_metering_runs(user))


def visible_reuse_studies(user: Any) -> QuerySet[ReuseStudy]:
    """Studies are the bureau's planning work: only bureau staff see them."""
    return ReuseStudy.objects.all() if user_has_role(user, BUREAU) else ReuseStudy.objects.none()


def may_request_adjustment(user: User, plan: AnnualPlan) -> bool:
    """A reporter asks to adjust its own water user's plan; the bureau any plan."""
    if user.is_enterprise_reporter:
        return water_user_id_of(user) == plan.water_user_id
    return user.is_bureau
