"""Enforcement: violation cases, decisions and follow-ups, confiscation and the shelter."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role, User
from civic.core.numbering import next_number
from civic.dogs import notify, rules
from civic.dogs.actions.licences import (
    cancel_licence,
)
from civic.dogs.actions.registration import area_limits
from civic.dogs.models import (
    CONFISCATING,
    FINED,
    CancellationReason,
    CaseStatus,
    Decision,
    Dog,
    IntakeReason,
    Licence,
    PenaltyStep,
    ShelterIntake,
    ShelterOutcome,
    ViolationCase,
)


def open_case(case: ViolationCase, recorded_by: User) -> ViolationCase:
    """Give a newly seen violation its case number and keep it.

    An inspector who records what they saw on patrol handles the case
    (its assignee) unless it is already given to someone; a case the dog
    office records waits for the office to give it to an inspector, or for
    one to take it.
    """
    case.number = next_number(ViolationCase, f"VC{case.observed_on.year}", 4)
    case.recorded_by = recorded_by
    if case.assignee_id is None and recorded_by.role == Role.INSPECTOR and recorded_by.is_active:
        case.assignee = recorded_by
    case._history_user = recorded_by  # type: ignore[attr-defined]
    case.save()
    del case._history_user  # type: ignore[attr-defined]
    notify.case_opened(case)
    return case


ASSIGNED = "assigned"
"""The reason kept in a case's history when it is given to an inspector."""


def assign_case(case: ViolationCase, assignee: User, by: User) -> ViolationCase:
    """Make `assignee`, an active inspector, the handler of a case not yet decided.

    Who may do it is `civic.dogs.access.may_assign_case`'s question, asked by
    the page. The change is kept in the case's history (who, when, the reason
    "assigned"), which the case's page shows; an inspector given a case by
    someone else is told of it. Giving a case to the inspector who already
    handles it changes nothing. Returns the case as saved (read afresh).
    """
    with transaction.atomic():
        case = (
            ViolationCase.objects.select_for_update()
            .select_related("violation_type", "place", "recorded_by")
            .get(pk=case.pk)
        )
        if case.status == CaseStatus.DECIDED:
            raise ValidationError({"assignee": _("This case is decided: there is nothing left to handle.")})
        if assignee.role != Role.INSPECTOR or not assignee.is_active:
            person = assignee.get_full_name() or assignee.get_username()
            message = _("%(person)s is not an active inspector: only inspectors handle cases.") % {"person": person}
            raise ValidationError({"assignee": message})
        if case.assignee_id == assignee.pk:
            return case
        case.assignee = assignee
        case._history_user = by  # type: ignore[attr-defined]
        case._change_reason = ASSIGNED  # type: ignore[attr-defined]
        case.save(update_fields=["assignee"])
        # simple_history reads these at every save: later saves of this instance are not assignments.
        del case._history_user, case._change_reason  # type: ignore[attr-defined]
        if assignee.pk != by.pk:
            notify.case_assigned(case, by)
        return case


def decision_errors(case: ViolationCase, decision: str, fine_yuan: Decimal | None, on: datetime.date) -> dict[str, str]:
    """What the rule of the case's step does not allow; empty when the decision may be taken."""
    penalty = case.penalty_range()
    if penalty is None:
        return {"decision": str(_("No penalty range is in force for this violation type."))}
    if case.step == PenaltyStep.NOT_CORRECTED and not missed_deadline(case, on):
        return {"decision": str(_("The further penalty waits until the deadline to correct has passed."))}
    if decision == Decision.WARNING and not penalty.warning_allowed:
        return {"decision": str(_("The regulation allows no warning in place of a fine for this violation."))}
    if decision in CONFISCATING and not penalty.confiscation_allowed:
        return {"decision": str(_("The regulation allows no confiscation for this violation at this step."))}
    if (decision == Decision.REVOCATION_AND_CONFISCATION) != penalty.revokes_licence and decision in CONFISCATING:
        return {"decision": str(_("Revoke the licence exactly where the regulation says so."))}
    if decision in CONFISCATING and penalty.only_dogs_over_limit and not dog_over_limit(case, on):
        return {
            "decision": str(_("The household keeps no dog over its limit any more: there is nothing to confiscate."))
        }
    if decision in FINED and (
        fine_yuan is None or not rules.is_penalty_within_range(fine_yuan, penalty.minimum_yuan, penalty.maximum_yuan)
    ):
        return {
            "fine_yuan": str(_("The fine must lie between ¥%(low)s and ¥%(high)s."))
            % {"low": penalty.minimum_yuan, "high": penalty.maximum_yuan}
        }
    return {}


def missed_deadline(case: ViolationCase, on: datetime.date) -> bool:
    """The further step is open only after the earlier order's deadline passed and the follow-up found it unmet."""
    earlier = case.follows
    return (
        earlier is not None
        and earlier.corrected is False
        and earlier.correct_by is not None
        and on > earlier.correct_by
        and case.observed_on > earlier.correct_by
    )


def dog_over_limit(case: ViolationCase, on: datetime.date) -> bool:
    """Whether the case's dog is one the household keeps over its limit (the newest dogs are the ones over)."""
    dog = case.dog
    if dog is None:
        # A dog kept without registration is over the limit by the registered ones: the only one to take.
        return True
    household = dog.owner.household
    limit, _height, _exempt = area_limits(household.areas(), on)
    kept = list(household.dogs_kept().order_by("licence__issued_on", "pk"))
    over = rules.dogs_over_limit(len(kept), limit)
    return over > 0 and dog in kept[len(kept) - over :]


def decide_case(
    case: ViolationCase,
    decision: str,
    fine_yuan: Decimal | None,
    reasons: str,
    decided_by: User,
    on: datetime.date,
    defence: str = "",
) -> ViolationCase:
    """Decide a case within its step's rule.

    Where the rule orders correction first (常州市养犬管理条例: "责令限期改正，…；
    逾期不改正的，…"), the decision sets the deadline and the case waits for its
    follow-up; the further penalty (confiscation, revocation) is a case of its
    own, opened by the follow-up. A confiscation cancels the licence and
    shelters the dog.
    """
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is already decided."))
    errors = decision_errors(case, decision, fine_yuan, on)
    if errors:
        raise ValidationError(errors)
    penalty = case.penalty_range()
    assert penalty is not None
    with transaction.atomic():
        case.decision = decision
        case.fine_yuan = fine_yuan if decision in FINED else None
        case.decision_reasons = reasons
        case.defence = defence
        case.decided_on = on
        case.decided_by = decided_by
        if penalty.order_to_correct and penalty.correction_days:
            case.correct_by = rules.deadline(on, penalty.correction_days)
            case.status = CaseStatus.CORRECTION_ORDERED
        else:
            case.status = CaseStatus.DECIDED
        case.save()
        if decision in CONFISCATING:
            confiscate(case, on, decided_by, revoke=decision == Decision.REVOCATION_AND_CONFISCATION)
        return case


def follow_up(case: ViolationCase, corrected: bool, on: datetime.date, recorded_by: User) -> ViolationCase | None:
    """Record whether an order to correct was obeyed; when it was not, open the case of the further penalty.

    A correction may be recorded any day; "not corrected" only after the
    deadline, so no further penalty comes on the day a dog is seen.
    """
    if case.status != CaseStatus.CORRECTION_ORDERED or case.correct_by is None:
        raise ValidationError(_("This case has no order to correct waiting for its follow-up."))
    if not corrected and on <= case.correct_by:
        raise ValidationError(
            _("The deadline to correct runs until %(date)s: follow up after it.")
            % {"date": case.correct_by.isoformat()}
        )
    with transaction.atomic():
        case.followed_up_on = on
        case.corrected = corrected
        case.status = CaseStatus.DECIDED
        case.save(update_fields=["followed_up_on", "corrected", "status"])
        if corrected:
            return None
        further = ViolationCase(
            violation_type=case.violation_type,
            place=case.place,
            observed_on=on,
            dog=case.dog,
            offender_name=case.offender_name,
            offender_resident_id=case.offender_resident_id,
            offender_address=case.offender_address,
            description=f"逾期未改正：{case.number}号决定责令于{case.correct_by:%Y年%m月%d日}前改正，{on:%Y年%m月%d日}复查仍未改正。",
            step=PenaltyStep.NOT_CORRECTED,
            follows=case,
            assignee=case.assignee,  # the inspector who handled the order handles what follows from it
        )
        return open_case(further, recorded_by)


def confiscate(case: ViolationCase, on: datetime.date, recorded_by: User, revoke: bool = False) -> ShelterIntake:
    dog = case.dog
    licence = Licence.objects.filter(dog=dog).first() if dog else None
    if licence is not None and not licence.is_cancelled:
        reason = CancellationReason.REVOCATION if revoke else CancellationReason.CONFISCATION
        cancel_licence(licence, reason, on, None, recorded_by, on)
    description = str(dog) if dog else case.description[:200]
    return ShelterIntake.objects.create(
        reason=IntakeReason.CONFISCATED, intake_on=on, dog=dog, case=case, description=description
    )


def record_owner_notice(intake: ShelterIntake, on: datetime.date) -> ShelterIntake:
    if not intake.owner_known or intake.owner_notified_on is not None:
        raise ValidationError(_("There is no owner waiting to be told about this dog."))
    intake.owner_notified_on = on
    intake.save(update_fields=["owner_notified_on"])
    return intake


def record_claim(intake: ShelterIntake, on: datetime.date) -> ShelterIntake:
    if intake.outcome != ShelterOutcome.HELD or intake.stage(on) != rules.ShelterStage.AWAITING_CLAIM:
        raise ValidationError(_("This dog cannot be claimed now."))
    intake.outcome = ShelterOutcome.CLAIMED
    intake.outcome_on = on
    intake.save(update_fields=["outcome", "outcome_on"])
    return intake


def record_adoption(intake: ShelterIntake, adopter_name: str, adopter_phone: str, on: datetime.date) -> ShelterIntake:
    if intake.outcome != ShelterOutcome.HELD or intake.stage(on) != rules.ShelterStage.OPEN_FOR_ADOPTION:
        raise ValidationError(_("This dog is not open for adoption yet."))
    intake.outcome = ShelterOutcome.ADOPTED
    intake.outcome_on = on
    intake.adopter_name = adopter_name
    intake.adopter_phone = adopter_phone
    intake.save(update_fields=["outcome", "outcome_on", "adopter_name", "adopter_phone"])
    return intake


def take_in_found_dog(description: str, on: datetime.date, dog: Dog | None = None) -> ShelterIntake:
    """A dog found without its keeper; when it wears a tag its owner is known and must be told."""
    if dog is not None and dog.shelter_intakes.filter(outcome=ShelterOutcome.HELD).exists():
        raise ValidationError(_("This dog is already in the shelter."))
    return ShelterIntake.objects.create(reason=IntakeReason.FOUND, intake_on=on, dog=dog, description=description[:200])
