"""A licence after it is issued: renewal, changes of owner and address, corrections, cancellation, replacement, and renewal reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from civic.core.models import User
from civic.dogs import notify, rules
from civic.dogs.actions.registration import (
    REFUSAL_REASON_LABELS,
    RENEWAL_PROBLEM_LABELS,
    AddressDetails,
    Counter,
    ImmunisationDetails,
    OwnerDetails,
    area_limits,
    dogs_kept_in,
    flag_differences,
    households_of,
    next_tag_number,
    owner_for,
    record_event,
    record_immunisation,
    save_household,
)
from civic.dogs.models import (
    CANCELLATION_DOG_STATUS,
    CancellationReason,
    Deadline,
    DeadlineKind,
    Dog,
    DogPurpose,
    DogStatus,
    Household,
    Licence,
    LicenceEventKind,
    LicenceStatus,
    Owner,
    ReminderKind,
    RenewalReminder,
    ServicePoint,
    Tag,
    TagStatus,
    household_key,
)


def renewal_errors(licence: Licence, on: datetime.date) -> list[str]:
    immunisation = licence.dog.latest_immunisation()
    window_days = Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on)
    problems = rules.renewal_problems(
        licence.is_cancelled, licence.expires_on, immunisation.valid_until if immunisation else None, on, window_days
    )
    values = {
        "opens": rules.renewal_window_opens(licence.expires_on, window_days).isoformat(),
        "starts": rules.renewal_period_start(licence.expires_on, on).isoformat(),
    }
    return [str(RENEWAL_PROBLEM_LABELS[problem]) % values for problem in problems]


def renew_licence(
    licence: Licence,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
    immunisation: ImmunisationDetails | None = None,
) -> Licence:
    """Extend a licence by its validity, after recording a new immunisation if one was brought.

    The new period needs an immunisation valid on its first day and ends no
    later than that immunisation; reminders queued about the old expiry are
    withdrawn, so the owner is not told to renew what is renewed.
    """
    with transaction.atomic():
        if immunisation is not None:
            record_immunisation(licence.dog, immunisation, service_point)
        errors = renewal_errors(licence, on)
        if errors:
            raise ValidationError(errors)
        previous_expiry = licence.expires_on
        validity = Deadline.rule_for(DeadlineKind.LICENCE_VALIDITY, on)
        latest = licence.dog.latest_immunisation()
        valid_until = latest.valid_until if latest else None
        licence.expires_on = rules.renewed_expiry(
            previous_expiry, on, validity.days, rules.PeriodUnit(validity.unit), valid_until
        )
        licence.save(update_fields=["expires_on"])
        withdraw_reminders(licence, on)
        record_event(
            licence,
            LicenceEventKind.RENEWED,
            on,
            service_point,
            recorded_by,
            is_late=on > previous_expiry,
            previous_expiry=previous_expiry.isoformat(),
            new_expiry=licence.expires_on.isoformat(),
        )
        return licence


def withdraw_reminders(licence: Licence, on: datetime.date) -> int:
    """Take back the reminders still waiting to be sent for a licence that was renewed or cancelled."""
    waiting = licence.reminders.filter(
        sent_at__isnull=True, withdrawn_on__isnull=True, expires_on__lt=licence.expires_on
    )
    if licence.is_cancelled:
        waiting = licence.reminders.filter(sent_at__isnull=True, withdrawn_on__isnull=True)
    return waiting.update(withdrawn_on=on)


def is_change_late(changed_on: datetime.date, on: datetime.date) -> bool:
    return on > rules.deadline(changed_on, Deadline.days_for(DeadlineKind.CHANGE_NOTICE, on))


def check_household_room(households: list[Household], dog: Dog, on: datetime.date) -> None:
    """A dog may move only into households whose key areas still have room for it."""
    areas = list({area.pk: area for household in households for area in household.areas()}.values())
    household_limit, _height_limit, exempt = area_limits(areas, on)
    if dog.purpose != DogPurpose.PET and dog.assistance_proof and exempt:
        return
    if rules.is_over_household_limit(dogs_kept_in(households, except_dog=dog), household_limit):
        raise ValidationError(REFUSAL_REASON_LABELS[rules.RefusalReason.HOUSEHOLD_LIMIT])


def change_owner(
    licence: Licence,
    new_owner: OwnerDetails,
    address: AddressDetails,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    """Hand a dog to another person ([CZ-DOGS] change registration within 15 days).

    A new owner already in the register keeps their record; what differs is
    flagged, as at registration.
    """
    with transaction.atomic():
        households = households_of(address, new_owner.resident_id) or [save_household(address)]
        check_household_room(households, licence.dog, on)
        previous_owner = licence.dog.owner
        owner, differences = owner_for(new_owner, address)
        licence.dog.owner = owner
        licence.dog.save(update_fields=["owner"])
        record_event(
            licence,
            LicenceEventKind.OWNER_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
            previous_owner=previous_owner.masked_resident_id,
        )
        if differences:
            flag_differences(owner, differences, licence, Counter(service_point, recorded_by, on))
        return licence


def move_owner(owner: Owner, address: AddressDetails, on: datetime.date) -> tuple[str, str]:
    """Move an owner (and so every dog of theirs) to an address; the addresses before and after.

    All the owner's dogs move together, so they count together against the
    new household's limit, beside the dogs others keep there.
    """
    household = save_household(address)
    household_limit, _height_limit, exempt = area_limits(household.areas(), on)
    moving = [
        dog
        for dog in owner.dogs.filter(status=DogStatus.REGISTERED)
        if not (dog.purpose != DogPurpose.PET and dog.assistance_proof and exempt)
    ]
    kept_by_others = Dog.objects.filter(owner__household=household, status=DogStatus.REGISTERED).exclude(owner=owner)
    if household_limit is not None and kept_by_others.count() + len(moving) > household_limit:
        raise ValidationError(REFUSAL_REASON_LABELS[rules.RefusalReason.HOUSEHOLD_LIMIT])
    previous_address = owner.household.address
    owner.household = household
    owner.save(update_fields=["household"])
    return previous_address, household.address


def change_address(
    licence: Licence,
    address: AddressDetails,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    """Move the owner (and so every dog of theirs) to a new address."""
    with transaction.atomic():
        previous_address, _address = move_owner(licence.dog.owner, address, on)
        record_event(
            licence,
            LicenceEventKind.ADDRESS_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
            previous_address=previous_address,
        )
        return licence


def correct_owner(
    owner: Owner,
    name: str,
    phone: str,
    address: AddressDetails,
    reason: str,
    service_point: ServicePoint | None,
    recorded_by: User | None,
    on: datetime.date,
) -> Owner:
    """Correct a person's name, phone or address: the one way a person's record changes.

    Permitted to the owner's own service points and the dog office
    (`civic.dogs.access.may_correct_owner`); the owner's history keeps the
    values before, every licence of theirs records the correction, and the
    open flags about the owner are resolved.
    """
    with transaction.atomic():
        before = {"name": owner.name, "phone": owner.phone, "address": owner.household.address}
        if household_key(address.address, address.town) != owner.household.normalised_address or (
            address.town.pk != owner.household.town_id
        ):
            move_owner(owner, address, on)
        owner.name, owner.phone = name, phone
        owner.full_clean(exclude=["household", "resident_id"])
        owner.save(update_fields=["name", "phone"])
        after = {"name": owner.name, "phone": owner.phone, "address": owner.household.address}
        corrected = sorted(detail for detail in before if before[detail] != after[detail])
        for licence in owner.licences():
            record_event(
                licence,
                LicenceEventKind.OWNER_CORRECTED,
                on,
                service_point,
                recorded_by,
                corrected=corrected,
                reason=reason,
            )
        owner.discrepancies.filter(resolved_on__isnull=True).update(resolved_on=on, resolved_by=recorded_by)
        return owner


def change_contact(
    licence: Licence,
    phone: str,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    with transaction.atomic():
        owner = licence.dog.owner
        owner.phone = phone
        owner.save(update_fields=["phone"])
        record_event(
            licence,
            LicenceEventKind.CONTACT_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
        )
        return licence


def cancel_licence(
    licence: Licence,
    reason: str,
    happened_on: datetime.date,
    service_point: ServicePoint | None,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    """Cancel on death, surrender, loss or confiscation; the tag stops checking as valid at once."""
    if licence.is_cancelled:
        raise ValidationError(_("The licence is already cancelled."))
    with transaction.atomic():
        licence.status = LicenceStatus.CANCELLED
        licence.cancelled_on = on
        licence.cancellation_reason = reason
        licence.save(update_fields=["status", "cancelled_on", "cancellation_reason"])
        licence.tags.filter(status=TagStatus.ACTIVE).update(status=TagStatus.CANCELLED)
        withdraw_reminders(licence, on)
        licence.dog.status = CANCELLATION_DOG_STATUS[CancellationReason(reason)]
        licence.dog.save(update_fields=["status"])
        notice_days = Deadline.days_for(DeadlineKind.CANCELLATION_NOTICE, on)
        record_event(
            licence,
            LicenceEventKind.CANCELLED,
            on,
            service_point,
            recorded_by,
            is_late=on > rules.deadline(happened_on, notice_days),
            reason=reason,
            happened_on=happened_on.isoformat(),
        )
        return licence


def replace_tag(licence: Licence, service_point: ServicePoint, recorded_by: User | None, on: datetime.date) -> Tag:
    if licence.is_cancelled:
        raise ValidationError(_("A cancelled licence gets no new tag."))
    with transaction.atomic():
        old_numbers = list(licence.tags.filter(status=TagStatus.ACTIVE).values_list("number", flat=True))
        licence.tags.filter(status=TagStatus.ACTIVE).update(status=TagStatus.REPLACED)
        tag = Tag.objects.create(number=next_tag_number(on), licence=licence, issued_on=on)
        record_event(
            licence, LicenceEventKind.TAG_REPLACED, on, service_point, recorded_by, replaced=old_numbers, new=tag.number
        )
        return tag


def replace_licence(
    licence: Licence, service_point: ServicePoint, recorded_by: User | None, on: datetime.date
) -> Licence:
    if licence.is_cancelled:
        raise ValidationError(_("A cancelled licence is not replaced."))
    with transaction.atomic():
        licence.copy_number += 1
        licence.save(update_fields=["copy_number"])
        record_event(
            licence, LicenceEventKind.LICENCE_REPLACED, on, service_point, recorded_by, copy=licence.copy_number
        )
        return licence


def licences_to_renew(on: datetime.date, state: rules.RenewalState) -> models.QuerySet[Licence]:
    """Licences in force that are due (inside the window) or overdue (expired, not renewed) on `on`."""
    window_days = Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on)
    in_force = Licence.objects.filter(status=LicenceStatus.IN_FORCE, dog__status=DogStatus.REGISTERED)
    if state == rules.RenewalState.OVERDUE:
        return in_force.filter(expires_on__lt=on)
    if state == rules.RenewalState.DUE:
        return in_force.filter(expires_on__gte=on, expires_on__lte=on + datetime.timedelta(days=window_days))
    return in_force.filter(expires_on__gt=on + datetime.timedelta(days=window_days))


def reminder_message(licence: Licence, kind: str) -> str:
    # Sent by SMS to Chinese owners, so written in Chinese.
    if kind == ReminderKind.OVERDUE:
        return f"您的犬只“{licence.dog.name}”养犬登记证（{licence.number}）已于{licence.expires_on:%Y年%m月%d日}到期，请尽快携犬只免疫证明到服务点办理延续。"
    return f"您的犬只“{licence.dog.name}”养犬登记证（{licence.number}）将于{licence.expires_on:%Y年%m月%d日}到期，请在到期前携犬只免疫证明到服务点办理延续。"


def queue_renewal_reminders(on: datetime.date, licences: list[Licence] | None = None) -> int:
    """Queue one reminder per due or overdue licence and expiry; running it again queues nothing new."""
    queued = 0
    for state, kind in ((rules.RenewalState.DUE, ReminderKind.DUE), (rules.RenewalState.OVERDUE, ReminderKind.OVERDUE)):
        candidates = licences if licences is not None else licences_to_renew(on, state).select_related("dog__owner")
        queued += queue_reminders_of_kind(list(candidates), kind, on)
    return queued


def queue_reminders_of_kind(licences: list[Licence], kind: str, on: datetime.date) -> int:
    already = set(
        RenewalReminder.objects.filter(licence__in=licences, kind=kind).values_list("licence_id", "expires_on")
    )
    reminders = [
        RenewalReminder(
            licence=licence,
            kind=kind,
            expires_on=licence.expires_on,
            queued_on=on,
            phone=licence.dog.owner.phone,
            message=reminder_message(licence, kind),
        )
        for licence in licences
        if (licence.pk, licence.expires_on) not in already
    ]
    RenewalReminder.objects.bulk_create(reminders, ignore_conflicts=True)
    notify.renewal_reminders(on, kind)
    return len(reminders)
