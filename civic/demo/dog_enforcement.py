"""The demo county's dog enforcement: patrol places, a year of patrols, cases in the regulation's steps,
found dogs taken into the shelter and the few confiscations (see civic/demo/dogs.py)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from civic.core.models import Role, User
from civic.demo.dog_records import COLOURS, COMMUNITIES, ROADS, DemoContext, address, person_name, resident_id
from civic.dogs import actions, rules
from civic.dogs.models import (
    CaseStatus,
    Decision,
    Dog,
    DogStatus,
    IntakeReason,
    Patrol,
    PatrolPlace,
    PenaltyRange,
    PenaltyStep,
    PlaceKind,
    ShelterIntake,
    ShelterOutcome,
    ViolationCase,
    ViolationType,
)

# The district's parks closed to dogs in the city's list of 46 ([CZ-DOG-PARKS]), with the town each lies in
# (where the list gives none, the demo's placement).
NO_DOG_PARKS = (
    ("武进新天地公园", "湖塘镇"),
    ("滆湖公园", "西湖街道"),
    ("揽月湾中心绿地（二期）", "西湖街道"),
    ("文慧园", "湖塘镇"),
    ("淹城健身公园", "湖塘镇"),
    ("江苏省绿色建筑博览园", "西湖街道"),
    ("雪堰黄公山郊野公园", "雪堰镇"),
)
# Per unit of scale: patrols over the year, cases taken up from them, found dogs taken into the shelter.
PATROLS_PER_SCALE = 600
CASES_PER_SCALE = 160
CASE_RECORDED_AT = datetime.time(9, 0)  # county time; the history of a demo case begins then
FOUND_DOGS_PER_SCALE = 20


# --- Enforcement --------------------------------------------------------------------


def create_patrol_places(context: DemoContext) -> list[PatrolPlace]:
    """Squares and school gates everywhere, key-area streets and estates, and the district's no-dog parks."""
    towns_by_name = {town.name: town for town in context.towns}
    places = [
        PatrolPlace(name=name, kind=PlaceKind.NO_DOG_PARK, region=towns_by_name[town])
        for name, town in NO_DOG_PARKS
        if town in towns_by_name
    ]
    for town in context.towns:
        short = town.name.removesuffix("街道").removesuffix("镇")
        places.append(PatrolPlace(name=f"{short}文化广场", kind=PlaceKind.SQUARE, region=town))
        places.append(PatrolPlace(name=f"{short}中心小学校门", kind=PlaceKind.SCHOOL_GATE, region=town))
        key_area = context.key_areas.get(town.pk)
        if key_area is not None:
            places.append(
                PatrolPlace(
                    name=f"{short}{ROADS[town.pk % len(ROADS)]}（重点管理区）",
                    kind=PlaceKind.KEY_AREA_STREET,
                    region=key_area,
                )
            )
            places.append(
                PatrolPlace(
                    name=f"{short}{COMMUNITIES[town.pk % len(COMMUNITIES)]}",
                    kind=PlaceKind.RESIDENTIAL,
                    region=key_area,
                )
            )
    return PatrolPlace.objects.bulk_create(places)


def demo_inspector() -> User:
    """The demo's inspector account, or a patrol account of its own when the accounts were not loaded."""
    inspector = User.objects.filter(role=Role.INSPECTOR).order_by("pk").first()
    if inspector is None:
        inspector = User.objects.create(username="dog_patrol", role=Role.INSPECTOR, last_name="巡查")
        inspector.set_unusable_password()
        inspector.save()
    return inspector


def create_patrols(context: DemoContext, places: list[PatrolPlace], inspector: User) -> list[Patrol]:
    rng = context.rng
    patrols = [
        Patrol(
            place=rng.choice(places),
            patrolled_on=context.today - datetime.timedelta(days=rng.randrange(0, 365)),
            inspector=inspector,
            dogs_seen=rng.randint(0, 25),
            notes="",
        )
        for _ in range(PATROLS_PER_SCALE * context.scale)
    ]
    return Patrol.objects.bulk_create(patrols, batch_size=2000)


# Violations seen on patrol, by the kind of place: (violation code, weight).
VIOLATIONS_BY_PLACE = {
    PlaceKind.NO_DOG_PARK: (("no_dog_park", 6), ("no_leash", 2), ("droppings", 2)),
    PlaceKind.SQUARE: (("no_leash", 5), ("droppings", 4), ("unregistered", 1)),
    PlaceKind.KEY_AREA_STREET: (("no_leash", 4), ("droppings", 3), ("unregistered", 2), ("over_limit", 1)),
    PlaceKind.SCHOOL_GATE: (("no_leash", 3), ("unregistered", 1)),
    PlaceKind.RESIDENTIAL: (("shared_space", 4), ("unvaccinated", 1), ("banned_breed", 1), ("late_change", 1)),
}
CASE_DESCRIPTIONS = {
    "no_dog_park": "携犬进入禁止犬只进入的公园",
    "no_leash": "遛犬未束犬链",
    "droppings": "未及时清除犬只粪便",
    "unregistered": "犬只未佩戴识别牌，经查未办理养犬登记",
    "over_limit": "重点管理区内一户饲养两只犬",
    "shared_space": "在楼道等共用部位饲养犬只",
    "unvaccinated": "犬只未按规定接种狂犬病疫苗",
    "banned_breed": "饲养禁养犬只",
    "late_change": "住址变更后未在规定期限内办理变更登记",
}


CORRECTED_SHARE = 0.85  # of orders to correct, obeyed by the deadline


def decided_case(rng: random.Random, penalty: PenaltyRange | None) -> tuple[Decision, Decimal | None]:
    """A decision within the rule's range, with its fine: a warning where allowed, else a fine in ¥50 steps."""
    if penalty is None:
        return Decision.NO_PENALTY, None
    if penalty.warning_allowed and rng.random() < 0.5:
        return Decision.WARNING, None
    if penalty.maximum_yuan == 0:
        return Decision.NO_PENALTY, None
    smallest = max(penalty.minimum_yuan, Decimal(50))
    steps = int((penalty.maximum_yuan - smallest) / 50)
    fine = smallest + 50 * rng.randint(0, min(steps, 6))
    return Decision.FINE, Decimal(fine)


@dataclass
class CaseNumbers:
    """Case numbers in a yearly sequence, as the demo hands them out."""

    sequence: dict[int, int] = field(default_factory=dict)

    def next(self, year: int) -> str:
        self.sequence[year] = self.sequence.get(year, 0) + 1
        return f"VC{year}{self.sequence[year]:04d}"


def offender_fields(context: DemoContext) -> dict[str, str]:
    """Who is named on the decision: name, resident ID and address."""
    rng = context.rng
    town = rng.choice(context.towns)
    return {
        "offender_name": person_name(rng),
        "offender_resident_id": resident_id(rng, context.resident_ids),
        "offender_address": address(rng, town, False),
    }


def decide_in_steps(
    context: DemoContext, case: ViolationCase, penalty: PenaltyRange | None, decided_on: datetime.date, inspector: User
) -> None:
    """The first decision; where the rule orders correction, the deadline and, once it has passed, the follow-up."""
    rng, today = context.rng, context.today
    decision, fine_yuan = decided_case(rng, penalty)
    case.decision = str(decision)
    case.fine_yuan = fine_yuan
    case.decided_on = decided_on
    case.decided_by = inspector
    case.decision_reasons = "依据《常州市养犬管理条例》，结合情节作出处理。"
    case.status = CaseStatus.DECIDED
    if penalty is None or not penalty.order_to_correct or not penalty.correction_days:
        return
    case.correct_by = rules.deadline(decided_on, penalty.correction_days)
    case.status = CaseStatus.CORRECTION_ORDERED
    if case.correct_by >= today:
        return
    case.corrected = rng.random() < CORRECTED_SHARE
    if case.corrected:
        case.followed_up_on = case.correct_by - datetime.timedelta(days=rng.randint(0, 5))
    else:
        case.followed_up_on = min(today, case.correct_by + datetime.timedelta(days=rng.randint(1, 5)))
    case.status = CaseStatus.DECIDED


def further_cases(
    context: DemoContext, cases: list[ViolationCase], numbers: CaseNumbers, inspector: User
) -> list[ViolationCase]:
    """For each order not obeyed: the case of the further penalty, opened on the day of the follow-up.

    A further fine (an unvaccinated dog: ¥1,000–5,000) is decided a few days
    later; a further confiscation waits for the inspector's decision.
    """
    rng, today = context.rng, context.today
    further = []
    for case in cases:
        if case.corrected is not False or case.followed_up_on is None or case.correct_by is None:
            continue
        followed_up_on = case.followed_up_on
        later = ViolationCase(
            number=numbers.next(followed_up_on.year),
            violation_type=case.violation_type,
            place=case.place,
            observed_on=followed_up_on,
            offender_name=case.offender_name,
            offender_resident_id=case.offender_resident_id,
            offender_address=case.offender_address,
            description=f"逾期未改正：{case.number}号决定责令于{case.correct_by:%Y年%m月%d日}前改正，"
            f"{followed_up_on:%Y年%m月%d日}复查仍未改正。",
            step=PenaltyStep.NOT_CORRECTED,
            follows=case,
            recorded_by=inspector,
            assignee=inspector,
        )
        penalty = case.violation_type.penalty_range(followed_up_on, PenaltyStep.NOT_CORRECTED)
        decided_on = followed_up_on + datetime.timedelta(days=rng.randint(1, 5))
        if penalty is not None and not penalty.confiscation_allowed and decided_on <= today:
            decision, fine_yuan = decided_case(rng, penalty)
            later.status, later.decision, later.fine_yuan = CaseStatus.DECIDED, str(decision), fine_yuan
            later.decided_on, later.decided_by = decided_on, inspector
            later.decision_reasons = "逾期未改正，依法处理。"
        further.append(later)
    return create_cases_with_history(further, inspector)


def create_cases(context: DemoContext, patrols: list[Patrol], inspector: User) -> list[ViolationCase]:
    rng = context.rng
    types = {violation.code: violation for violation in ViolationType.objects.all()}
    penalties = {code: violation.penalty_range(context.today) for code, violation in types.items()}
    chosen = sorted(
        rng.sample(patrols, min(len(patrols), CASES_PER_SCALE * context.scale)), key=lambda p: (p.patrolled_on, p.pk)
    )
    numbers = CaseNumbers()
    cases: list[ViolationCase] = []
    for patrol in chosen:
        options = VIOLATIONS_BY_PLACE[PlaceKind(patrol.place.kind)]
        code = rng.choices([code for code, _w in options], weights=[w for _c, w in options])[0]
        case = ViolationCase(
            number=numbers.next(patrol.patrolled_on.year),
            violation_type=types[code],
            place=patrol.place,
            patrol=patrol,
            observed_on=patrol.patrolled_on,
            description=CASE_DESCRIPTIONS[code],
            recorded_by=inspector,
            **offender_fields(context),
        )
        if (context.today - patrol.patrolled_on).days > 14 or rng.random() < 0.3:
            decided_on = min(context.today, patrol.patrolled_on + datetime.timedelta(days=rng.randint(1, 10)))
            decide_in_steps(context, case, penalties[code], decided_on, inspector)
        # The inspector handles the cases he decided and two in three of the open ones; the rest wait to be
        # taken or given (by their place in the list: the random draws stay those of earlier demos).
        if case.status != CaseStatus.OPEN or len(cases) % 3:
            case.assignee = inspector
        cases.append(case)
    cases = create_cases_with_history(cases, inspector)
    return cases + further_cases(context, cases, numbers, inspector)


def create_cases_with_history(cases: list[ViolationCase], inspector: User) -> list[ViolationCase]:
    """Store the cases with the first record of their history: entered by the inspector, on the day observed
    (at 09:00 county time), so that each case's page shows to whom it went and when."""
    for case in cases:
        recorded = timezone.make_aware(datetime.datetime.combine(case.observed_on, CASE_RECORDED_AT))
        case._history_date = recorded  # type: ignore[attr-defined]  # simple_history dates the first record by it
    return bulk_create_with_history(cases, ViolationCase, batch_size=2000, default_user=inspector)


def create_shelter_intakes(context: DemoContext, dogs: list[Dog]) -> int:
    """Dogs found without their keeper over the last two months: some tagged, at every stage of the shelter flow."""
    rng, today = context.rng, context.today
    registered = [dog for dog in dogs if dog.status == DogStatus.REGISTERED]
    intakes = []
    for _ in range(FOUND_DOGS_PER_SCALE * context.scale):
        intake_on = today - datetime.timedelta(days=rng.randrange(0, 60))
        dog = rng.choice(registered) if rng.random() < 0.5 else None
        intake = ShelterIntake(
            reason=IntakeReason.FOUND,
            intake_on=intake_on,
            dog=dog,
            description=f"{rng.choice(COLOURS)}{dog.breed.name if dog else '中华田园犬'}，颈部{'有' if dog else '无'}识别牌",
        )
        if dog is not None and (today - intake_on).days > 3:
            intake.owner_notified_on = intake_on + datetime.timedelta(days=rng.randint(1, 3))
        if (today - intake_on).days > 25 and rng.random() < 0.6:
            claimed = dog is not None and rng.random() < 0.7
            intake.outcome = ShelterOutcome.CLAIMED if claimed else ShelterOutcome.ADOPTED
            intake.outcome_on = intake_on + datetime.timedelta(days=rng.randint(3, 10) if claimed else 20)
            if not claimed:
                intake.adopter_name = person_name(rng)
                intake.adopter_phone = f"139{rng.randrange(10**8):08d}"
        intakes.append(intake)
    ShelterIntake.objects.bulk_create(intakes)
    return len(intakes)


def confiscate_in_some_cases(context: DemoContext, inspector: User) -> int:
    """Two banned dogs kept without registration, taken through the regulation's steps with the real actions.

    Seen, fined and ordered to give the dog up within the deadline; followed up
    the day after it, not corrected; only then confiscated. A banned breed
    cannot be registered, so these dogs hold no licence or tag.
    """
    banned_type = ViolationType.objects.get(code="banned_breed")
    residential = PatrolPlace.objects.filter(kind=PlaceKind.RESIDENTIAL).order_by("pk").first()
    first_step = banned_type.penalty_range(context.today)
    if residential is None or first_step is None or not first_step.correction_days:
        return 0
    count = 0
    for days_ago in (45, 24):
        observed_on = context.today - datetime.timedelta(days=days_ago)
        case = actions.open_case(
            ViolationCase(
                violation_type=banned_type,
                place=residential,
                observed_on=observed_on,
                description="饲养禁养犬只（比特斗牛犬），未办理养犬登记",
                **offender_fields(context),
            ),
            inspector,
        )
        case = actions.decide_case(case, Decision.FINE, Decimal(1000), "饲养禁养犬只。", inspector, observed_on)
        assert case.correct_by is not None
        follow_up_day = case.correct_by + datetime.timedelta(days=1)
        further = actions.follow_up(case, corrected=False, on=follow_up_day, recorded_by=inspector)
        assert further is not None
        actions.decide_case(
            further, Decision.CONFISCATION, None, "逾期未改正，依法没收犬只。", inspector, follow_up_day
        )
        count += 1
    return count


def order_awaiting_correction(context: DemoContext, inspector: User) -> ViolationCase | None:
    """An over-limit case of five days ago: fined and ordered to correct, its deadline still running."""
    over_limit = ViolationType.objects.get(code="over_limit")
    street = PatrolPlace.objects.filter(kind=PlaceKind.KEY_AREA_STREET).order_by("pk").first()
    if street is None:
        return None
    observed_on = context.today - datetime.timedelta(days=5)
    case = actions.open_case(
        ViolationCase(
            violation_type=over_limit,
            place=street,
            observed_on=observed_on,
            description="重点管理区内一户饲养两只犬，第二只未办理养犬登记",
            **offender_fields(context),
        ),
        inspector,
    )
    return actions.decide_case(case, Decision.FINE, Decimal(500), "重点管理区超限养犬。", inspector, observed_on)
