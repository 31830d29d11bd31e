"""Which balance tests, certificates and outputs a signed-in user may see and change.

The bureau sees every firm's records; an enterprise reporter sees only its own
water user's, and may change a test only while it is a draft or returned.
Every page of the evaluation app goes through here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civic.core.models import Role
from civic.core.permissions import WATER_OFFICE
from civic.evaluation.models import BalanceTest, CarrierCertificate, ProductOutput
from civic.water.access import water_user_id_of

# Who opens the balance-test pages: the water-saving office and enterprise reporters (their own firm's).
BALANCE_TEST_USERS = (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)


def own_water_user_id(user: Any) -> int | None:
    """The water user an enterprise reporter reports for; None for everyone else."""
    if user.is_authenticated and user.is_enterprise_reporter:
        return water_user_id_of(user)
    return None


def visible_balance_tests(user: Any) -> QuerySet[BalanceTest]:
    if not user.is_authenticated:
        return BalanceTest.objects.none()
    if user.is_bureau:
        return BalanceTest.objects.all()
    water_user_id = own_water_user_id(user)
    return BalanceTest.objects.filter(water_user_id=water_user_id) if water_user_id else BalanceTest.objects.none()


def visible_test_or_404(user: Any, test_id: int) -> BalanceTest:
    """The test, or 404 — also when it exists but belongs to another firm."""
    try:
        return visible_balance_tests(user).select_related("water_user", "sector", "quota").get(pk=test_id)
    except BalanceTest.DoesNotExist:
        raise Http404 from None


def visible_certificates(user: Any) -> QuerySet[CarrierCertificate]:
    if not user.is_authenticated:
        return CarrierCertificate.objects.none()
    if user.is_bureau:
        return CarrierCertificate.objects.all()
    water_user_id = own_water_user_id(user)
    if not water_user_id:
        return CarrierCertificate.objects.none()
    return CarrierCertificate.objects.filter(water_user_id=water_user_id)


def visible_outputs(user: Any) -> QuerySet[ProductOutput]:
    if not user.is_authenticated:
        return ProductOutput.objects.none()
    if user.is_bureau:
        return ProductOutput.objects.all()
    water_user_id = own_water_user_id(user)
    return ProductOutput.objects.filter(water_user_id=water_user_id) if water_user_id else ProductOutput.objects.none()
