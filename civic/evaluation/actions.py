"""Writes of the evaluation: entering and submitting a balance test, the bureau's review, certification,
reported output and scorecards — each in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.core.models import User
from civic.core.numbering import next_number
from civic.evaluation import carriers, scoring
from civic.evaluation.models import (
    EDITABLE_STATUSES,
    BalanceTest,
    BalanceTestReview,
    BalanceTestStatus,
    BalanceUnit,
    CarrierCertificate,
    EvaluationParameters,
    ProductOutput,
    ReviewDecision,
    Scorecard,
    ScorecardEntry,
    ScorecardProfile,
)
from civic.water.models import WaterQuota, WaterUser

UNIT_FIELDS = (
    "name",
    "kind",
    "fresh_m3",
    "reused_m3",
    "consumed_m3",
    "discharged_m3",
    "leaked_m3",
    "steam_t",
    "condensate_recovered_t",
)


@transaction.atomic
def save_balance_test(test: BalanceTest, units: Iterable[Mapping[str, Any]], by_user: User) -> BalanceTest:
    """Store a test and replace its units, all or nothing; only a draft or returned test may change."""
    if test.pk and BalanceTest.objects.get(pk=test.pk).status not in EDITABLE_STATUSES:
        raise ValidationError(_("Only a draft or a returned test can be changed."))
    if not test.pk:
        test.created_by = by_user
    test.save()
    test.units.all().delete()
    BalanceUnit.objects.bulk_create(
        BalanceUnit(test=test, position=position, **{field: values.get(field) for field in UNIT_FIELDS})
        for position, values in enumerate(units)
    )
    return test


@transaction.atomic
def submit_balance_test(test: BalanceTest) -> BalanceTest:
    """Send a draft or returned test to the bureau; it needs at least one unit."""
    test = BalanceTest.objects.select_for_update().get(pk=test.pk)
    if test.status not in EDITABLE_STATUSES:
        raise ValidationError(_("Only a draft or a returned test can be submitted."))
    if not test.units.exists():
        raise ValidationError(_("Add at least one water-using unit before submitting."))
    test.status = BalanceTestStatus.SUBMITTED
    test.submitted_at = timezone.now()
    test.save(update_fields=["status", "submitted_at"])
    return test


def _require_bureau(user: User) -> None:
    if not user.is_bureau:
        raise PermissionDenied


@transaction.atomic
def review_balance_test(test: BalanceTest, decision: str, comment: str, by_user: User) -> BalanceTestReview:
    """The bureau returns a submitted test with comments, or accepts it."""
    _require_bureau(by_user)
    test = BalanceTest.objects.select_for_update().get(pk=test.pk)
    if test.status != BalanceTestStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted test can be reviewed."))
    if decision == ReviewDecision.RETURNED and not comment.strip():
        raise ValidationError(_("Say what the enterprise must correct."))
    test.status = BalanceTestStatus.RETURNED if decision == ReviewDecision.RETURNED else BalanceTestStatus.ACCEPTED
    test.save(update_fields=["status"])
    return BalanceTestReview.objects.create(test=test, decision=decision, comment=comment, reviewed_by=by_user)


def next_certificate_number(year: int) -> str:
    """JS<year><serial>, from the certificates' own counter, so a revoked number is never reused."""
    return next_number(CarrierCertificate, f"JS{year}", 4)


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CertificationError(Exception):
    """The test does not qualify: the reasons, for the page."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@transaction.atomic
def certify(test: BalanceTest, by_user: User, issued_on: datetime.date | None = None) -> CarrierCertificate:
    """Issue the certificate of an accepted test that closes and meets every threshold of its sector."""
    _require_bureau(by_user)
    test = BalanceTest.objects.select_for_update().select_related("sector", "water_user").get(pk=test.pk)
    if test.status != BalanceTestStatus.ACCEPTED:
        raise CertificationError((_("Only an accepted test can be certified."),))
    if CarrierCertificate.objects.filter(test=test).exists():
        raise CertificationError((_("This test already has a certificate."),))
    issued_on = issued_on or timezone.localdate()
    result = carriers.assess_carrier(test, issued_on)
    if not result.passes:
        raise CertificationError(result.reasons())
    validity = EvaluationParameters.in_force(issued_on).certificate_validity_years
    return CarrierCertificate.objects.create(
        number=next_certificate_number(issued_on.year),
        water_user=test.water_user,
        test=test,
        carrier_kind=test.sector.carrier_kind,
        checks=[check.as_dict() for check in result.checks],
        issued_on=issued_on,
        expires_on=add_years(issued_on, validity) - datetime.timedelta(days=1),
        issued_by=by_user,
    )


@transaction.atomic
def report_output(water_user: WaterUser, quota: WaterQuota, year: int, output: float, by_user: User) -> ProductOutput:
    """Record (or correct) a firm's product output of a year, for quota benchmarking."""
    if output < 0:
        raise ValidationError(_("The output cannot be negative."))
    record, _created = ProductOutput.objects.update_or_create(
        water_user=water_user, quota=quota, year=year, defaults={"output": output, "reported_by": by_user}
    )
    return record


@transaction.atomic
def compute_scorecard(profile: ScorecardProfile, year: int, by_user: User | None = None) -> Scorecard:
    """Create or refresh a year's scorecard: computed indicators from records; manual entries kept."""
    scorecard, _created = Scorecard.objects.get_or_create(profile=profile, year=year)
    for indicator in profile.indicators.all():
        entry, _new = ScorecardEntry.objects.get_or_create(scorecard=scorecard, indicator=indicator)
        computed = scoring.compute_indicator(indicator.computed_from, year)
        if computed is not None:
            entry.value, entry.trace = computed.value, computed.trace
            entry.entered_by = by_user
            entry.save()
    return scorecard


@transaction.atomic
def enter_scorecard_value(entry: ScorecardEntry, value: float | None, note: str, evidence: Any, by_user: User) -> None:
    """A manual indicator's value with its note and evidence file."""
    _require_bureau(by_user)
    entry.value, entry.note, entry.entered_by = value, note, by_user
    if evidence:
        entry.evidence = evidence
    entry.save()


@dataclass
class OutputImport:
    saved: int = 0
    errors: list[str] = field(default_factory=list)


def import_outputs(rows: list[dict[str, Any]], water_users: QuerySet[WaterUser], by_user: User) -> OutputImport:
    """Store every row of an output workbook, or none: a row naming an unknown user or product is an error."""
    outcome = OutputImport()
    resolved = []
    for row in rows:
        user = water_users.filter(code=row["water_user"]).first()
        quota = WaterQuota.objects.filter(industry=user.industry, product=row["product"]).first() if user else None
        if user is None:
            outcome.errors.append(
                _("Row %(row)s: no water user %(code)s of yours.") % {"row": row["row"], "code": row["water_user"]}
            )
        elif quota is None:
            outcome.errors.append(
                _("Row %(row)s: no quota for the product %(product)s.") % {"row": row["row"], "product": row["product"]}
            )
        else:
            resolved.append((user, quota, row))
    if outcome.errors:
        return outcome
    with transaction.atomic():
        for user, quota, row in resolved:
            report_output(user, quota, row["year"], row["output"], by_user)
    outcome.saved = len(resolved)
    return outcome
