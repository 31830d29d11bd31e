"""Which dog-management records a signed-in user may see, and who may change them.

The dog-management office (and the county administrator) sees everything. Clinic staff see the dogs, licences and refusals of
their own service point only. Inspectors read the whole register and work on
enforcement, but change nothing in the register. Every page that shows a dog,
a licence or a refusal goes through here.

A violation case is handled by one inspector, its assignee. A case an
inspector records on patrol is theirs from the start. The dog office gives a
case to an inspector or hands it to another; an inspector may take a case no
one handles yet, for themselves only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civic.core.models import Role, User
from civic.core.permissions import DOG_OFFICE
from civic.dogs.models import (
    Dog,
    Licence,
    Owner,
    OwnerDiscrepancy,
    Refusal,
    RenewalReminder,
    ServicePoint,
    ServicePointStaff,
    ViolationCase,
)

REGISTER_READERS = (*DOG_OFFICE, Role.CLINIC_STAFF, Role.INSPECTOR)
REGISTER_WRITERS = (*DOG_OFFICE, Role.CLINIC_STAFF)
ENFORCERS = (*DOG_OFFICE, Role.INSPECTOR)


def reads_whole_register(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_dog_office or user.role == Role.INSPECTOR))


def staff_link_of(user: Any) -> ServicePointStaff | None:
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    try:
        link: ServicePointStaff = user.service_point_staff
    except ServicePointStaff.DoesNotExist:
        return None
    return link


def service_point_of(user: Any) -> ServicePoint | None:
    """The service point `user` is bound to (their `ServicePointStaff` link); None when they have none."""
    link = staff_link_of(user)
    return link.service_point if link else None


def service_point_id_of(user: Any) -> int | None:
    """The id of the service point `user` is bound to; None when they have none."""
    link = staff_link_of(user)
    return link.service_point_id if link else None


def own_service_point_id(user: Any) -> int | None:
    """The service point a clinic staff member works at; None for everyone else."""
    if user.is_authenticated and user.role == Role.CLINIC_STAFF and not user.is_superuser:
        return service_point_id_of(user)
    return None


def acting_service_point(user: Any, licence: Licence | None = None) -> ServicePoint:
    """Where the work is recorded: a clinic's own point; for the bureau, the dog's point."""
    point_id = own_service_point_id(user)
    if point_id:
        return ServicePoint.objects.get(pk=point_id)
    assert licence is not None
    return licence.dog.service_point


def visible_dogs(user: Any) -> QuerySet[Dog]:
    if reads_whole_register(user):
        return Dog.objects.all()
    point_id = own_service_point_id(user)
    return Dog.objects.filter(service_point_id=point_id) if point_id else Dog.objects.none()


def visible_licences(user: Any) -> QuerySet[Licence]:
    """A clinic sees the licences of the dogs registered at its point, wherever they were last renewed."""
    if reads_whole_register(user):
        return Licence.objects.all()
    point_id = own_service_point_id(user)
    return Licence.objects.filter(dog__service_point_id=point_id) if point_id else Licence.objects.none()


def visible_refusals(user: Any) -> QuerySet[Refusal]:
    if user.is_authenticated and user.is_dog_office:
        return Refusal.objects.all()
    point_id = own_service_point_id(user)
    return Refusal.objects.filter(service_point_id=point_id) if point_id else Refusal.objects.none()


def visible_reminders(user: Any) -> QuerySet[RenewalReminder]:
    return RenewalReminder.objects.filter(licence__in=visible_licences(user))


def may_change_register(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_dog_office or own_service_point_id(user)))


def visible_licence_or_404(user: Any, number: str) -> Licence:
    try:
        return (
            visible_licences(user)
            .select_related(
                "dog__owner__household__town", "dog__owner__household__key_area", "dog__breed", "service_point"
            )
            .get(number=number)
        )
    except Licence.DoesNotExist:
        raise Http404 from None


def visible_refusal_or_404(user: Any, number: str) -> Refusal:
    try:
        return visible_refusals(user).select_related("breed", "service_point").get(number=number)
    except Refusal.DoesNotExist:
        raise Http404 from None


def may_correct_owner(user: Any, owner: Owner) -> bool:
    """A person's details are corrected by the dog office or at a service point where their dogs are registered."""
    if not user.is_authenticated:
        return False
    if user.is_dog_office:
        return True
    point_id = own_service_point_id(user)
    return point_id is not None and point_id in owner.own_service_point_ids()


def correctable_owner_or_404(user: Any, owner_id: int) -> Owner:
    owner = Owner.objects.select_related("household__town").filter(pk=owner_id).first()
    if owner is None or not may_correct_owner(user, owner):
        raise Http404
    return owner


def visible_discrepancies(user: Any) -> QuerySet[OwnerDiscrepancy]:
    """The dog office sees every flag; a clinic sees those about owners whose dogs it registered."""
    flags = OwnerDiscrepancy.objects.select_related("owner", "service_point", "licence")
    if user.is_authenticated and user.is_dog_office:
        return flags
    point_id = own_service_point_id(user)
    return flags.filter(owner__dogs__service_point_id=point_id).distinct() if point_id else flags.none()


def case_handlers() -> QuerySet[User]:
    """The people a violation case may be given to: the active inspectors."""
    return User.objects.filter(role=Role.INSPECTOR, is_active=True).order_by("last_name", "first_name", "username")


def may_assign_cases(user: Any) -> bool:
    """The dog office (and the county administrator) gives cases to inspectors and hands them on."""
    return bool(user.is_authenticated and user.is_dog_office)


def may_take_case(user: Any, case: ViolationCase) -> bool:
    """An inspector takes a case no one handles yet, for themselves."""
    return bool(user.is_authenticated and user.role == Role.INSPECTOR and case.assignee_id is None)


def may_assign_case(user: Any, case: ViolationCase, assignee: Any) -> bool:
    """Whether `user` may make `assignee` the handler of `case` (who is an inspector is the action's check)."""
    if may_assign_cases(user):
        return True
    return may_take_case(user, case) and assignee is not None and assignee.pk == user.pk
