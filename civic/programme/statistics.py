"""Figures of the programme's pages: the chain graph, segments by year, the park, budgets, feedback analysis."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext

from civic.programme.actions import committed_yuan
from civic.programme.models import (
    ChainRole,
    Feedback,
    Firm,
    FirmYear,
    Park,
    ProblemCategory,
    Product,
    Segment,
    SubsidyPayment,
    SubsidyPolicy,
    SupplyRelation,
)

LEADER_SIZE, OTHER_SIZE = 46, 14
YUAN_PER_HUNDRED_MILLION = Decimal("100000000")
YUAN_PER_TEN_THOUSAND = Decimal("10000")


def chain_graph() -> dict[str, Any]:
    """ECharts graph data: nodes per firm (categories by chain role; leaders large), links per supply relation."""
    linked = set(SupplyRelation.objects.values_list("supplier_id", flat=True)) | set(
        SupplyRelation.objects.values_list("customer_id", flat=True)
    )
    roles = list(ChainRole)
    nodes = [
        {
            "id": str(firm.pk),
            "name": firm.name,
            "category": roles.index(ChainRole(firm.chain_role)),
            "symbolSize": LEADER_SIZE if firm.is_chain_leader else OTHER_SIZE,
            "label": {"show": firm.is_chain_leader},
        }
        for firm in Firm.objects.filter(pk__in=linked)
    ]
    links = [
        {"source": str(relation.supplier_id), "target": str(relation.customer_id), "value": relation.goods}
        for relation in SupplyRelation.objects.all()
    ]
    return {"nodes": nodes, "links": links, "categories": [{"name": str(role.label)} for role in roles]}


def segment_figures() -> dict[str, Any]:
    """Firms, output and water-saving revenue per segment and year (a firm in two segments counts in both)."""
    years = sorted(set(FirmYear.objects.values_list("year", flat=True)))
    rows: list[dict[str, Any]] = []
    for segment in Segment.objects.all():
        per_year = {
            row["year"]: row
            for row in FirmYear.objects.filter(firm__segments=segment)
            .values("year")
            .annotate(
                firms=models.Count("firm", distinct=True),
                output=models.Sum("output_value_yuan"),
                revenue=models.Sum("water_saving_revenue_yuan"),
                patents=models.Sum("patents"),
            )
        }
        rows.append({
            "segment": segment,
            "firms": segment.firms.count(),
            "years": [per_year.get(year, {"firms": 0, "output": Decimal(0), "revenue": Decimal(0), "patents": 0})
                      for year in years],
        })  # fmt: skip
    totals = {
        row["year"]: row
        for row in FirmYear.objects.filter(firm__segments__isnull=False)
        .values("year")
        .annotate(firms=models.Count("firm", distinct=True), output=models.Sum("output_value_yuan"))
    }
    chart = {
        "years": years,
        "segments": [str(row["segment"]) for row in rows],
        "output_hundred_million": [
            [float((year.get("output") or 0) / YUAN_PER_HUNDRED_MILLION) for year in row["years"]] for row in rows
        ],
    }
    industry_firms = Firm.objects.filter(segments__isnull=False).distinct().count()
    return {
        "years": years,
        "rows": rows,
        "totals": [totals.get(year) for year in years],
        "chart": chart,
        "industry_firms": industry_firms,
    }


def park_figures() -> list[dict[str, Any]]:
    return [
        {
            "park": park,
            "firms": park.firms.order_by("name"),
            "land_used_m2": park.firms.aggregate(total=models.Sum("park_land_m2"))["total"] or 0,
        }
        for park in Park.objects.all()
    ]


def budget_years() -> list[dict[str, Any]]:
    """Budget, committed (decided), paid and free for each policy year."""
    rows = []
    for policy in SubsidyPolicy.objects.order_by("year"):
        committed = committed_yuan(policy.year)
        paid = SubsidyPayment.objects.filter(decision__decided_on__year=policy.year).aggregate(
            total=models.Sum("amount_yuan")
        )["total"] or Decimal("0")
        rows.append(
            {"policy": policy, "committed": committed, "paid": paid, "free": policy.annual_budget_yuan - committed}
        )
    return rows


def feedback_analysis() -> dict[str, Any]:
    """Claimed vs measured saving per product and segment; problems by frequency and severity; trend by quarter."""
    records = list(Feedback.objects.select_related("product__segment", "product__firm"))
    analysis = {
        "products": _product_rows(records),
        "segments": _segment_rows(records),
        "problems": _problem_rows(records),
        "quarters": _quarter_rows(records),
        "count": len(records),
    }
    analysis["chart"] = _feedback_chart(analysis)
    return analysis


def _feedback_chart(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis page's chart data, its labels already in the page's language."""
    return {
        "problems": {
            "names": [str(row["category"]) for row in analysis["problems"]],
            "counts": [row["count"] for row in analysis["problems"]],
            "severity": [round(row["mean_severity"], 2) for row in analysis["problems"]],
        },
        "quarters": {
            "names": [row["quarter"] for row in analysis["quarters"]],
            "all": [row.get("all", 0) for row in analysis["quarters"]],
            "problems": [row.get("problems", 0) for row in analysis["quarters"]],
            "serious": [row.get("serious", 0) for row in analysis["quarters"]],
        },
        "segments": {
            "names": [str(row["segment"]) for row in analysis["segments"]],
            "claimed": [_percent(row["claimed"]) for row in analysis["segments"]],
            "measured": [_percent(row["measured"]) for row in analysis["segments"]],
        },
        "labels": {
            "reports": gettext("Reports"),
            "problems": gettext("Problems"),
            "serious": gettext("Serious problems"),
            "severity": gettext("Mean severity"),
            "claimed": gettext("Claimed saving (%)"),
            "measured": gettext("Measured saving (%)"),
        },
    }


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(100 * fraction, 1)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _product_rows(records: list[Feedback]) -> list[dict[str, Any]]:
    by_product: dict[int, list[Feedback]] = defaultdict(list)
    for record in records:
        by_product[record.product_id].append(record)
    rows = []
    for product in Product.objects.filter(pk__in=by_product).select_related("firm", "segment"):
        items = by_product[product.pk]
        measured = [item.measured_saving_fraction for item in items if item.measured_saving_fraction is not None]
        rows.append({
            "product": product,
            "feedback": len(items),
            "problems": sum(1 for item in items if item.category != ProblemCategory.NONE),
            "claimed": product.claimed_saving_fraction,
            "measured": _mean(measured),
            "mean_severity": _mean([float(item.severity) for item in items]),
        })  # fmt: skip
    return sorted(rows, key=lambda row: (-row["problems"], str(row["product"])))


def _segment_rows(records: list[Feedback]) -> list[dict[str, Any]]:
    by_segment: dict[Segment, list[Feedback]] = defaultdict(list)
    for record in records:
        by_segment[record.product.segment].append(record)
    return [
        {
            "segment": segment,
            "feedback": len(items),
            "claimed": _mean([item.product.claimed_saving_fraction for item in items]),
            "measured": _mean(
                [item.measured_saving_fraction for item in items if item.measured_saving_fraction is not None]
            ),
        }
        for segment, items in sorted(by_segment.items(), key=lambda pair: pair[0].order)
    ]


def _problem_rows(records: list[Feedback]) -> list[dict[str, Any]]:
    problems = [record for record in records if record.category != ProblemCategory.NONE]
    counts = Counter(record.category for record in problems)
    severity: dict[str, int] = Counter()
    for record in problems:
        severity[record.category] += record.severity
    rows = [
        {
            "category": ProblemCategory(category).label,
            "count": count,
            "mean_severity": severity[category] / count,
            "weight": severity[category],
        }
        for category, count in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["count"], -row["mean_severity"]))


def _quarter_rows(records: list[Feedback]) -> list[dict[str, Any]]:
    quarters: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        key = f"{record.reported_on.year}Q{(record.reported_on.month - 1) // 3 + 1}"
        quarters[key]["all"] += 1
        if record.category != ProblemCategory.NONE:
            quarters[key]["problems"] += 1
            quarters[key]["serious"] += record.severity >= 2
    return [{"quarter": key, **quarters[key]} for key in sorted(quarters)]
