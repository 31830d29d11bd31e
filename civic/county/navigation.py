"""The navigation bar: which sections a signed-in user's role opens."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TypedDict

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role
from civic.core.permissions import BUREAU, DOG_OFFICE, WATER_OFFICE


@dataclass(frozen=True)
class NavigationItem:
    label: str | Promise
    url_name: str
    roles: tuple[str, ...]


class NavigationLink(TypedDict):
    """One menu entry as the templates see it."""

    label: str | Promise
    url: str
    active: bool
    group: str


class NavigationContext(TypedDict):
    navigation_items: list[NavigationLink]
    navigation_groups: list[list[NavigationLink]]


NAVIGATION = (
    NavigationItem(
        _("Dashboard"),
        "dashboard",
        (*BUREAU, Role.DOG_OFFICE_STAFF, Role.NETWORK_ANALYST, Role.CLINIC_STAFF, Role.INSPECTOR),
    ),
    NavigationItem(_("Jobs"), "job_list", (*WATER_OFFICE, Role.DOG_OFFICE_STAFF, Role.NETWORK_ANALYST)),
    NavigationItem(_("Water users"), "water:register", BUREAU),
    NavigationItem(_("Readings import"), "water:import_readings", BUREAU),
    NavigationItem(_("Plans"), "water:plan_list", BUREAU),
    NavigationItem(_("Surcharges"), "water:surcharge_summary", BUREAU),
    NavigationItem(_("Quotas"), "water:quota_list", BUREAU),
    NavigationItem(_("Water reuse"), "water:reuse_study_list", BUREAU),
    NavigationItem(_("My water use"), "water:my_water_user", (Role.ENTERPRISE_REPORTER,)),
    NavigationItem(_("DMAs and leaks"), "water:metering_dashboard", (*BUREAU, Role.NETWORK_ANALYST)),
    NavigationItem(_("Customer alarms"), "water:customer_alarm_list", (*BUREAU, Role.NETWORK_ANALYST)),
    NavigationItem(_("Water audit"), "water:water_audit_form", (*BUREAU, Role.NETWORK_ANALYST)),
    NavigationItem(_("Leak localisation"), "water:network_overview", (*BUREAU, Role.NETWORK_ANALYST)),
    NavigationItem(_("Water-saving industry"), "programme:firm_list", WATER_OFFICE),
    NavigationItem(_("Water-saving projects"), "programme:project_list", (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)),
    NavigationItem(_("Product feedback"), "programme:feedback_list", (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)),
    NavigationItem(_("Balance tests"), "evaluation:balance_test_list", (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)),
    NavigationItem(_("Water-saving carriers"), "evaluation:carrier_list", WATER_OFFICE),
    NavigationItem(_("Quota benchmarking"), "evaluation:benchmark_list", WATER_OFFICE),
    NavigationItem(_("My output"), "evaluation:output_report", (Role.ENTERPRISE_REPORTER,)),
    NavigationItem(_("County scorecard"), "evaluation:scorecard_list", WATER_OFFICE),
    NavigationItem(_("Farmland"), "farmland:progress", WATER_OFFICE),
    NavigationItem(_("Dog register"), "dogs:dog_list", (*DOG_OFFICE, Role.CLINIC_STAFF, Role.INSPECTOR)),
    NavigationItem(_("Register a dog"), "dogs:register_dog", (*DOG_OFFICE, Role.CLINIC_STAFF)),
    NavigationItem(_("Renewals due"), "dogs:renewal_list", (*DOG_OFFICE, Role.CLINIC_STAFF)),
    NavigationItem(_("Dog enforcement"), "dogs:case_list", (*DOG_OFFICE, Role.INSPECTOR)),
    NavigationItem(_("Dog statistics"), "dogs:staff_statistics", DOG_OFFICE),
)


def shows_item(user: object, item: NavigationItem) -> bool:
    """Whether the menu offers `item` to `user`: by the user's role alone.

    A superuser may open every page, but the menu still follows the role: the
    demo's `admin` (a bureau administrator) gets no "My water use", a page only
    an enterprise reporter bound to a water user has.
    """
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", None) in item.roles)


def navigation(request: HttpRequest) -> NavigationContext:
    """Template context: the navigation items the current user may open, also grouped by app.

    The menu wraps group by group (the water app's pages, the dogs app's pages), so that
    a long menu breaks between sections rather than in the middle of one.
    """
    items: list[NavigationLink] = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": request.path == reverse(item.url_name),
            "group": item.url_name.partition(":")[0] if ":" in item.url_name else "",
        }
        for item in NAVIGATION
        if shows_item(request.user, item)
    ]
    groups = [list(group) for _, group in itertools.groupby(items, key=lambda item: item["group"])]
    return {"navigation_items": items, "navigation_groups": groups}
