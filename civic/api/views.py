"""Civic's JSON API for the systems around the bureau, documented as OpenAPI at /api/docs.

Every operation needs a bearer token with the operation's scope: the meter
head-end pushes readings (readings:write); an enterprise's system reads its
own water user's plans, bills and use (enterprise:read); the bureau's other
systems read the register and the plans (register:read); the public tag check
answers what the public check page answers (public). A token without the
scope is refused (403), a revoked or unknown one is not recognised (401), a
token past its calls per minute is told to wait (429).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer

from civic.api import actions
from civic.api.models import ApiToken, Scope
from civic.api.schemas import (
    MAX_PAGE,
    BillOut,
    ErrorItem,
    ErrorOut,
    MonthUseOut,
    PlanMonthOut,
    PlanOut,
    PlanPage,
    ReadingsBatchIn,
    ReadingsBatchOut,
    TagCheckOut,
    UseOut,
    WaterUserOut,
    WaterUserPage,
    error_items,
)
from civic.dogs.views import check_result
from civic.water.models import AnnualPlan, ImportStatus, PlanStatus, SurchargeBill, WaterUser

REFUSALS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}
MAX_PAGE_SIZE = 500
MAX_QUERY_CHARACTERS = 100


class TokenAuth(HttpBearer):
    """A bearer token that is active, has `scope`, and is within its calls per minute."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = actions.active_token(token)
        if api_token is None:
            return None
        request.api_token = api_token  # type: ignore[attr-defined]  # read by the call log
        if not actions.within_rate(api_token):
            raise HttpError(
                429,
                _("Too many calls: this token may make %(count)s a minute.") % {"count": api_token.calls_per_minute},
            )
        if not api_token.has_scope(self.scope):
            raise HttpError(403, _("This token lacks the scope %(scope)s.") % {"scope": self.scope.value})
        return api_token


api = NinjaAPI(
    title="Civic API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def request_not_valid(request: HttpRequest, exc: ValidationError) -> Any:
    """A request that does not fit the schema, each problem named by where it is (e.g. body.readings.3.index_m3)."""
    items = [
        ErrorItem(
            row=_reading_row(error.get("loc", ())),
            index=_reading_index(error.get("loc", ())),
            column=".".join(str(part) for part in error.get("loc", ())),
            code=str(error.get("type", "")),
            message=str(error.get("msg", "")),
        )
        for error in exc.errors
    ]
    body = ErrorOut(detail=_("The request does not fit the API's schema."), errors=items)
    return api.create_response(request, body.model_dump(), status=422)


def _reading_index(location: Any) -> int | None:
    parts = list(location)
    if "readings" in parts:
        after = parts[parts.index("readings") + 1 : parts.index("readings") + 2]
        if after and isinstance(after[0], int):
            return after[0]
    return None


def _reading_row(location: Any) -> int | None:
    index = _reading_index(location)
    return None if index is None else index + actions.FIRST_DATA_ROW


# --- readings ----------------------------------------------------------------

readings = Router(tags=["readings"], auth=TokenAuth(Scope.READINGS_WRITE))


@readings.post(
    "/batches",
    response={200: ReadingsBatchOut, 201: ReadingsBatchOut, 400: ErrorOut, 409: ErrorOut, **REFUSALS},
    summary="Push a batch of meter readings",
)
def push_readings(request: HttpRequest, payload: ReadingsBatchIn) -> Status:
    """Store a batch whole or not at all, with the checks of a readings file.

    201: stored. 200: the batch key was pushed before with these readings,
    or these readings were stored before; nothing new is stored. 409: the
    batch key was used for other readings. 422: refused whole, each bad row
    named (row 2 is readings[0]); nothing is stored and the key may be used
    again.
    """
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    started_at = timezone.now()
    pushed = [actions.PushedReading(**reading.model_dump()) for reading in payload.readings]
    outcome = actions.push_readings(token.organisation, payload.batch_key, pushed)
    batch = outcome.batch
    if batch is None:
        return Status(
            409, ErrorOut(detail=_("This batch key was used for other readings; give each batch its own key."))
        )
    if batch.status != ImportStatus.ACCEPTED:
        detail = _("The batch was refused whole; nothing of it was stored.")
        return Status(422, ErrorOut(detail=detail, batch_id=batch.pk, errors=error_items(batch.errors)))
    replayed = outcome.replayed or batch.imported_at < started_at
    body = ReadingsBatchOut(
        batch_key=payload.batch_key,
        batch_id=batch.pk,
        row_count=batch.row_count,
        first_reading_date=batch.first_reading_date,
        last_reading_date=batch.last_reading_date,
        replayed=replayed,
    )
    return Status(200 if replayed else 201, body)


# --- enterprise --------------------------------------------------------------

enterprise = Router(tags=["enterprise"], auth=TokenAuth(Scope.ENTERPRISE_READ))


def own_water_user(request: HttpRequest) -> WaterUser:
    """The one water user an enterprise token reads (a token is given the scope only when there is one)."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    water_user = token.organisation.water_user
    if water_user is None:
        raise HttpError(403, _("This token's organisation is bound to no water user."))
    return water_user


@enterprise.get("/water-user", response={200: WaterUserOut, **REFUSALS}, summary="The enterprise's water user")
def enterprise_water_user(request: HttpRequest) -> WaterUserOut:
    return water_user_out(own_water_user(request))


@enterprise.get("/plans", response={200: list[PlanOut], **REFUSALS}, summary="The enterprise's issued plans")
def enterprise_plans(request: HttpRequest, year: int | None = Query(None, ge=1900, le=2200)) -> list[PlanOut]:
    plans = plans_queryset().filter(water_user=own_water_user(request), status=PlanStatus.ISSUED)
    if year is not None:
        plans = plans.filter(year=year)
    return [plan_out(plan) for plan in plans]


@enterprise.get("/bills", response={200: list[BillOut], **REFUSALS}, summary="The enterprise's surcharge bills")
def enterprise_bills(request: HttpRequest) -> list[BillOut]:
    bills = SurchargeBill.objects.filter(water_user=own_water_user(request)).order_by("period_start", "number")
    return [bill_out(bill) for bill in bills]


@enterprise.get("/use", response={200: UseOut, **REFUSALS}, summary="The enterprise's metered use by month")
def enterprise_use(request: HttpRequest, year: int = Query(..., ge=1900, le=2200)) -> UseOut:
    water_user = own_water_user(request)
    months = water_user.monthly_use_m3(year)
    return UseOut(
        water_user_code=water_user.code,
        year=year,
        total_m3=sum(months.values()) if months else None,
        months=[MonthUseOut(month=month, volume_m3=volume) for month, volume in sorted(months.items())],
    )


# --- register ----------------------------------------------------------------

register = Router(tags=["register"], auth=TokenAuth(Scope.REGISTER_READ))


@register.get("/water-users", response={200: WaterUserPage, **REFUSALS}, summary="The register of water users")
def register_water_users(
    request: HttpRequest,
    search: str = Query("", max_length=MAX_QUERY_CHARACTERS, description="Part of the user number or name."),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> WaterUserPage:
    users = WaterUser.objects.select_related("industry", "town").order_by("code")
    search = clean_text(search)
    if search:
        users = users.filter(Q(code__icontains=search) | Q(name__icontains=search))
    count, results = page_of(users, page, page_size)
    return WaterUserPage(count=count, page=page, page_size=page_size, results=[water_user_out(u) for u in results])


@register.get("/water-users/{code}", response={200: WaterUserOut, 404: ErrorOut, **REFUSALS}, summary="One water user")
def register_water_user(request: HttpRequest, code: str) -> Status:
    water_user = WaterUser.objects.select_related("industry", "town").filter(code=clean_text(code)).first()
    if water_user is None:
        return Status(404, ErrorOut(detail=_("No water user has this number.")))
    return Status(200, water_user_out(water_user))


@register.get("/plans", response={200: PlanPage, **REFUSALS}, summary="Annual plans of every water user")
def register_plans(
    request: HttpRequest,
    year: int | None = Query(None, ge=1900, le=2200),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> PlanPage:
    plans = plans_queryset()
    if year is not None:
        plans = plans.filter(year=year)
    count, results = page_of(plans, page, page_size)
    return PlanPage(count=count, page=page, page_size=page_size, results=[plan_out(plan) for plan in results])


# --- public ------------------------------------------------------------------

public = Router(tags=["public"], auth=TokenAuth(Scope.PUBLIC))


@public.get("/tags/{number}", response={200: TagCheckOut, **REFUSALS}, summary="Check a dog tag or licence")
def check_tag(request: HttpRequest, number: str) -> TagCheckOut:
    """What the public check shows of a tag or licence number; never the owner's name, address or phone."""
    result = check_result(clean_text(number)[:MAX_QUERY_CHARACTERS])
    if not result["found"]:
        return TagCheckOut(number=result["number"], found=False)
    service_point = result["service_point"]
    return TagCheckOut(
        number=result["number"],
        found=True,
        state=result["state"],
        tag_replaced=result["tag_replaced"],
        breed=result["breed"],
        colour=result["colour"],
        expires_on=result["expires_on"],
        service_point=service_point.name if service_point else None,
        service_point_phone=service_point.phone if service_point else None,
    )


api.add_router("/readings", readings)
api.add_router("/enterprise", enterprise)
api.add_router("/register", register)
api.add_router("/public", public)


# --- shaping -----------------------------------------------------------------


def clean_text(text: str) -> str:
    """Text from a query or path, without NUL characters (PostgreSQL refuses them in a query)."""
    return text.replace("\x00", "").strip()


def page_of(queryset: QuerySet[Any], page: int, page_size: int) -> tuple[int, list[Any]]:
    """The count of all rows and the rows of one page (an empty list past the last page)."""
    paginator = Paginator(queryset, page_size)
    if page > paginator.num_pages:
        return paginator.count, []
    return paginator.count, list(paginator.page(page).object_list)


def plans_queryset() -> QuerySet[AnnualPlan]:
    return (
        AnnualPlan.objects.select_related("water_user").prefetch_related("months").order_by("water_user__code", "year")
    )


def water_user_out(water_user: WaterUser) -> WaterUserOut:
    return WaterUserOut(
        code=water_user.code,
        name=water_user.name,
        kind=water_user.kind,
        industry_code=water_user.industry.code if water_user.industry else None,
        town=water_user.town.name,
        planned_use_status=water_user.planned_use_status,
    )


def plan_out(plan: AnnualPlan) -> PlanOut:
    months = sorted(plan.months.all(), key=lambda month: month.month)
    return PlanOut(
        water_user_code=plan.water_user.code,
        year=plan.year,
        status=plan.status,
        method=plan.method,
        annual_volume_m3=plan.annual_volume_m3,
        issued_at=plan.issued_at,
        months=[PlanMonthOut(month=month.month, volume_m3=month.volume_m3) for month in months],
    )


def bill_out(bill: SurchargeBill) -> BillOut:
    return BillOut(
        number=bill.number,
        period_start=bill.period_start,
        period_end=bill.period_end,
        planned_m3=bill.planned_m3,
        actual_m3=bill.actual_m3,
        excess_m3=bill.excess_m3,
        amount_yuan=bill.amount_yuan,
        status=bill.status,
    )
