"""Writes of the water-use quota table from the bureau's workbooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from civic.core import intake as intake_messages
from civic.core.models import User
from civic.water import quotas
from civic.water.actions.plans import save_with_author
from civic.water.models import (
    Industry,
    WaterQuota,
)
from hydro import intake

QUOTA_FIELDS = (
    "unit",
    "leading_value",
    "advanced_value",
    "general_value",
    "source_standard",
    "effective_to",
)


@dataclass(frozen=True)
class QuotaSaveSummary:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class QuotaImportOutcome:
    """Either the file's errors as report lines (and nothing stored) or what was stored."""

    errors: list[intake_messages.ReportLine]
    summary: QuotaSaveSummary | None


def quota_changes(existing: WaterQuota, row: quotas.QuotaRow) -> dict[str, Any]:
    changes = {name: getattr(row, name) for name in QUOTA_FIELDS if getattr(existing, name) != getattr(row, name)}
    if row.to_verify is not None and existing.to_verify != row.to_verify:
        changes["to_verify"] = row.to_verify
    return changes


def save_quota(row: quotas.QuotaRow, industry_ids: Mapping[str, int], author: User | None = None) -> str:
    """Insert or update one quota; return "created", "updated" or "unchanged"."""
    existing = WaterQuota.objects.filter(
        industry_id=industry_ids[row.industry_code], product=row.product, effective_from=row.effective_from
    ).first()
    if existing is None:
        fields = {name: getattr(row, name) for name in QUOTA_FIELDS}
        quota = WaterQuota(
            industry_id=industry_ids[row.industry_code],
            product=row.product,
            effective_from=row.effective_from,
            to_verify=bool(row.to_verify),
            **fields,
        )
        save_with_author(quota, author)
        return "created"
    changes = quota_changes(existing, row)
    if not changes:
        return "unchanged"  # not saved, so a re-import leaves no history entry either
    for name, value in changes.items():
        setattr(existing, name, value)
    save_with_author(existing, author)
    return "updated"


@transaction.atomic
def save_quotas(rows: list[quotas.QuotaRow], by_user: User | None = None) -> QuotaSaveSummary:
    """Upsert checked quota rows by industry, product and start date, all in one transaction."""
    industry_ids = dict(Industry.objects.values_list("code", "id"))
    outcomes = [save_quota(row, industry_ids, by_user) for row in rows]
    return QuotaSaveSummary(outcomes.count("created"), outcomes.count("updated"), outcomes.count("unchanged"))


def import_quota_workbook(file: intake.Source, by_user: User | None = None) -> QuotaImportOutcome:
    """Check a whole quota table and store it only if every row passes.

    A header lacking columns is reported like bad rows; raises
    `hydro.intake.TableError` when the file cannot be read as a table at all.
    """
    try:
        table = quotas.read_quota_table(file)
    except intake.TableError as error:
        if error.code != "missing_columns":
            raise
        return QuotaImportOutcome(quotas.report_lines(error.errors, error.error_count), None)
    checked = quotas.check_quota_rows(table, set(Industry.objects.values_list("code", flat=True)))
    if checked.error_count:
        return QuotaImportOutcome(checked.report(), None)
    return QuotaImportOutcome([], save_quotas(checked.quotas, by_user))
