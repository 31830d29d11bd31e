"""Quota benchmarking (用水定额对标) of the county's users: yearly intensity from metered intake and
reported output, against each product quota's leading, advanced and general values."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from civic.evaluation.models import ProductOutput
from civic.water.models import WaterQuota
from hydro import quota_benchmark


@dataclass
class BenchmarkRow:
    """One user's year against one quota: the figures and where they stand."""

    output: ProductOutput
    intake_m3: float | None
    result: quota_benchmark.QuotaBenchmark
    previous_intensity: float | None = None  # the year before, where the page shows the trend

    @property
    def over_quota(self) -> bool:
        return self.result.level == quota_benchmark.OVER_QUOTA


def quota_values(quota: WaterQuota) -> quota_benchmark.QuotaValues:
    return quota_benchmark.QuotaValues(
        general=quota.general_value, advanced=quota.advanced_value, leading=quota.leading_value
    )


def benchmark_output(output: ProductOutput) -> BenchmarkRow:
    """Intensity = the user's metered intake of the year / its reported output, against the quota."""
    intake = output.water_user.annual_use_m3(output.year)
    if intake is None:
        return BenchmarkRow(output, None, quota_benchmark.QuotaBenchmark(None, None, None, False))
    return BenchmarkRow(output, intake, quota_benchmark.benchmark(intake, output.output, quota_values(output.quota)))


def benchmark_rows(outputs: QuerySet[ProductOutput]) -> list[BenchmarkRow]:
    return [benchmark_output(output) for output in outputs.select_related("water_user", "quota", "quota__industry")]


def share_within_quota(rows: list[BenchmarkRow]) -> float | None:
    return quota_benchmark.share_within_quota(row.result for row in rows)
