"""Forms of dog management: each field explains its own errors; heights are typed in centimetres."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core.models import Region, RegionLevel
from civic.dogs import access, actions, photos, rules
from civic.dogs.models import (
    Breed,
    CancellationReason,
    CaseStatus,
    Decision,
    Dog,
    DogPurpose,
    DogStatus,
    IntakeReason,
    Licence,
    Patrol,
    PatrolPlace,
    ServicePoint,
    Sex,
    Tag,
    ViolationType,
    validate_microchip,
    validate_phone,
    validate_resident_id,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label: Any, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_INPUT, help_text=help_text)


def towns() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.TOWN).order_by("code")


def offer(form: forms.Form, name: str, choices: QuerySet[Any]) -> None:
    """Set the choices of the form's model choice field `name` when the form is made, not when it is defined."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = choices


def normalised_resident_id(value: str) -> str:
    """Full-width digits and letters typed on a Chinese keyboard become ASCII; the register keeps ASCII only."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def clean_phone_value(value: str) -> str:
    phone = rules.normalised_phone(unicodedata.normalize("NFKC", value))
    validate_phone(phone)
    return phone


def licence_by_number(number: str) -> Licence | None:
    """The licence with this licence or tag number (any tag it ever had), or None."""
    number = number.strip().upper()
    licence = Licence.objects.filter(number=number).first()
    if licence is None:
        tag = Tag.objects.select_related("licence").filter(number=number).first()
        licence = tag.licence if tag else None
    return licence


# --- Addresses and owners ------------------------------------------------------


class AddressFields(forms.Form):
    """An address and its town; the key area follows from the register of places, it is not chosen."""

    address = forms.CharField(label=_("Address where the dog is kept"), max_length=200)
    town = forms.ModelChoiceField(
        label=_("Town or street"),
        queryset=Region.objects.none(),
        help_text=_("The key area, with its stricter rules, follows from the address."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "town", towns())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("address") and data.get("town") is not None:
            details = actions.AddressDetails(address=data["address"].strip(), town=data["town"])
            mismatch = actions.address_town_errors(details)
            if mismatch:
                self.add_error("address", mismatch)
            else:
                try:
                    data["key_area"] = actions.key_area_of(details)
                except forms.ValidationError as error:
                    self.add_error("address", error.error_dict["address"])
        return data

    def address_details(self) -> actions.AddressDetails:
        data = self.cleaned_data
        return actions.AddressDetails(address=data["address"].strip(), town=data["town"])


class OwnerFields(forms.Form):
    owner_name = forms.CharField(label=_("Owner's name"), max_length=50)
    resident_id = forms.CharField(
        label=_("Resident ID number"),
        max_length=18,
        min_length=18,
        help_text=_("18 characters; the last one is a check character (0–9 or X)."),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, help_text=_("A mobile number, or a landline with its area code.")
    )

    def clean_resident_id(self) -> str:
        value = normalised_resident_id(self.cleaned_data["resident_id"])
        validate_resident_id(value)
        return value

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])

    def owner_details(self) -> actions.OwnerDetails:
        data = self.cleaned_data
        return actions.OwnerDetails(
            name=data["owner_name"].strip(), resident_id=data["resident_id"], phone=data["phone"].strip()
        )


# --- One-stop registration -----------------------------------------------------

REGISTRATION_STEPS = (
    ("owner", _("Owner and address"), ("owner_name", "resident_id", "phone", "address", "town")),
    (
        "dog",
        _("Dog"),
        (
            "dog_name",
            "breed",
            "colour",
            "sex",
            "birth_date",
            "shoulder_height_cm",
            "is_neutered",
            "microchip",
            "photo",
            "purpose",
            "assistance_proof",
            "is_imported",
            "quarantine_certificate",
        ),
    ),
    ("immunisation", _("Rabies immunisation"), ("vaccine", "batch", "vaccinated_on", "valid_until")),
    ("licence", _("Licence and tag"), ("service_point",)),
)


class RegistrationForm(OwnerFields, AddressFields):
    """Everything the counter takes for one dog; shown in steps, sent once."""

    dog_name = forms.CharField(label=_("Dog's name"), max_length=50)
    breed = forms.ModelChoiceField(label=_("Breed"), queryset=Breed.objects.all())
    colour = forms.CharField(label=_("Colour"), max_length=30)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = date_field(_("Birth date"))
    shoulder_height_cm = forms.FloatField(
        label=_("Shoulder height (cm)"),
        min_value=5,
        max_value=120,
        help_text=_("Measured standing, ground to withers."),
    )
    is_neutered = forms.BooleanField(label=_("Neutered"), required=False)
    microchip = forms.CharField(label=_("Microchip number"), max_length=15, validators=[validate_microchip])
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, up to 8 MB."),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=DogPurpose.choices, initial=DogPurpose.PET)
    assistance_proof = forms.CharField(
        label=_("Disability or assistance proof"),
        max_length=100,
        required=False,
        help_text=_("For guide and assistance dogs: number of the disability certificate or assistance-dog proof."),
    )
    is_imported = forms.BooleanField(label=_("Brought in from abroad"), required=False)
    quarantine_certificate = forms.CharField(label=_("Import quarantine certificate"), max_length=100, required=False)
    vaccine = forms.CharField(label=_("Vaccine"), max_length=100)
    batch = forms.CharField(label=_("Batch"), max_length=50)
    vaccinated_on = date_field(_("Vaccinated on"))
    valid_until = date_field(
        _("Valid until"), help_text=_("As written on the certificate; an expired immunisation leads to a refusal.")
    )
    service_point = forms.ModelChoiceField(
        label=_("Service point"), queryset=ServicePoint.objects.filter(is_active=True)
    )

    def __init__(self, *args: Any, service_point: ServicePoint | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_service_point = service_point
        if service_point is not None:
            del self.fields["service_point"]

    def clean_microchip(self) -> str:
        value = self.cleaned_data["microchip"].strip()
        if Dog.objects.filter(microchip=value).exists():
            raise forms.ValidationError(actions.MICROCHIP_NOT_ALLOWED)
        return value

    def clean_photo(self) -> photos.Photo | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return photos.reencoded(upload, upload.size or 0)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        vaccinated_on, valid_until = data.get("vaccinated_on"), data.get("valid_until")
        if vaccinated_on and valid_until and valid_until < vaccinated_on:
            self.add_error("valid_until", _("An immunisation cannot end before it was given."))
        birth_date = data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            self.add_error("birth_date", _("The birth date lies in the future."))
        return data

    def steps(self) -> list[dict[str, Any]]:
        """The form's fields in the order of the counter's steps, with whether each step holds an error."""
        steps = []
        for key, title, names in REGISTRATION_STEPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields or key == "licence":
                steps.append(
                    {"key": key, "title": title, "fields": fields, "has_errors": any(f.errors for f in fields)}
                )
        return steps

    def chosen_service_point(self) -> ServicePoint:
        return self.fixed_service_point or self.cleaned_data["service_point"]

    def application(self) -> actions.Application:
        data = self.cleaned_data
        return actions.Application(
            owner=self.owner_details(),
            address=self.address_details(),
            dog=actions.DogDetails(
                name=data["dog_name"].strip(),
                breed_id=data["breed"].pk,
                colour=data["colour"].strip(),
                sex=data["sex"],
                birth_date=data["birth_date"],
                shoulder_height_m=data["shoulder_height_cm"] / 100,
                is_neutered=data["is_neutered"],
                microchip=data["microchip"],
                purpose=data["purpose"],
                assistance_proof=data["assistance_proof"].strip(),
                is_imported=data["is_imported"],
                quarantine_certificate=data["quarantine_certificate"].strip(),
            ),
            immunisation=actions.ImmunisationDetails(
                vaccine=data["vaccine"].strip(),
                batch=data["batch"].strip(),
                vaccinated_on=data["vaccinated_on"],
                valid_until=data["valid_until"],
            ),
        )


# --- Afterwards: renewal, changes, cancellation, replacement --------------------


class RenewalForm(forms.Form):
    """A renewal; a new immunisation certificate may be recorded with it (all four fields, or none)."""

    vaccine = forms.CharField(label=_("Vaccine"), max_length=100, required=False)
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False)
    vaccinated_on = date_field(_("Vaccinated on"), required=False)
    valid_until = date_field(_("Valid until"), required=False)

    FIELDS = ("vaccine", "batch", "vaccinated_on", "valid_until")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in self.FIELDS if data.get(name)]
        if given and len(given) < len(self.FIELDS):
            for name in self.FIELDS:
                if not data.get(name):
                    self.add_error(name, _("Fill in all four immunisation fields, or none of them."))
        elif given and data["valid_until"] < data["vaccinated_on"]:
            self.add_error("valid_until", _("An immunisation cannot end before it was given."))
        return data

    def immunisation(self) -> actions.ImmunisationDetails | None:
        data = self.cleaned_data
        if not data.get("vaccine"):
            return None
        return actions.ImmunisationDetails(data["vaccine"], data["batch"], data["vaccinated_on"], data["valid_until"])


class ChangedOnField(forms.Form):
    changed_on = date_field(
        _("Date of the change"), help_text=_("A change registered more than 15 days after it happened is marked late.")
    )

    def clean_changed_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["changed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The change cannot lie in the future."))
        return value


class OwnerChangeForm(OwnerFields, AddressFields, ChangedOnField):
    pass


class AddressChangeForm(AddressFields, ChangedOnField):
    pass


class ContactChangeForm(ChangedOnField):
    phone = forms.CharField(label=_("New phone"), max_length=30)

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])


class OwnerCorrectionForm(AddressFields):
    """A correction of a person's own details, made at their own service point or by the dog office."""

    owner_name = forms.CharField(label=_("Owner's name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=200,
        help_text=_("For example: the name was mistyped at registration; the owner showed the new phone contract."),
    )

    field_order = ("owner_name", "phone", "address", "town", "reason")

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])


CHANGE_FORMS: dict[str, type[forms.Form]] = {
    "owner": OwnerChangeForm,
    "address": AddressChangeForm,
    "contact": ContactChangeForm,
}
CHANGE_TITLES = {
    "owner": _("Change of owner"),
    "address": _("Change of address"),
    "contact": _("Change of contact"),
}


class CancellationForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (value, label)
            for value, label in CancellationReason.choices
            if value not in (CancellationReason.CONFISCATION, CancellationReason.REVOCATION)
        ],
    )
    happened_on = date_field(
        _("Date it happened"), help_text=_("Notice given more than 15 days after it happened is marked late.")
    )


class ReplacementForm(forms.Form):
    what = forms.ChoiceField(
        label=_("Replace"), choices=[("tag", _("The tag (a new tag number)")), ("licence", _("The printed licence"))]
    )


# --- Register search -------------------------------------------------------------


class DogSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *DogStatus.choices])
    town = forms.ModelChoiceField(
        label=_("Town or street"), required=False, empty_label=_("All towns"), queryset=Region.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "town", towns())

    def filtered(self, dogs: QuerySet[Dog]) -> QuerySet[Dog]:
        if not self.is_bound or not self.is_valid():
            return dogs
        data = self.cleaned_data
        if data["q"]:
            words = data["q"].strip()
            dogs = dogs.filter(
                Q(name__icontains=words)
                | Q(microchip=words)
                | Q(licence__number__iexact=words)
                | Q(licence__tags__number__iexact=words)
                | Q(owner__name__icontains=words)
                | Q(owner__resident_id__iexact=words)
                | Q(owner__household__address__icontains=words)
            ).distinct()
        if data["status"]:
            dogs = dogs.filter(status=data["status"])
        if data["town"]:
            dogs = dogs.filter(owner__household__town=data["town"])
        return dogs


class CheckForm(forms.Form):
    number = forms.CharField(
        label=_("Tag or licence number"),
        max_length=20,
        error_messages={"max_length": _("A tag or licence number has at most 20 characters.")},
    )


# --- Enforcement -----------------------------------------------------------------


class PatrolForm(forms.ModelForm):
    class Meta:
        model = Patrol
        fields = ("place", "patrolled_on", "dogs_seen", "notes")
        widgets = {"patrolled_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}


class CaseForm(forms.Form):
    violation_type = forms.ModelChoiceField(label=_("Violation"), queryset=ViolationType.objects.all())
    place = forms.ModelChoiceField(label=_("Place"), queryset=PatrolPlace.objects.all())
    patrol = forms.ModelChoiceField(label=_("Seen on patrol"), queryset=Patrol.objects.none(), required=False)
    observed_on = date_field(_("Observed on"))
    dog_number = forms.CharField(
        label=_("Tag or licence number of the dog"),
        max_length=20,
        required=False,
        help_text=_("Leave empty when the dog wore no tag."),
    )
    offender_name = forms.CharField(label=_("Offender"), max_length=50, required=False)
    offender_resident_id = forms.CharField(
        label=_("Offender's resident ID number"),
        max_length=18,
        required=False,
        validators=[validate_resident_id],
        help_text=_("Printed on the decision; for a tagged dog, the owner's is taken when left empty."),
    )
    offender_address = forms.CharField(label=_("Offender's address"), max_length=200, required=False)
    description = forms.CharField(label=_("What was seen"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cases are taken up soon after the patrol that saw them: offer the last 60 days' patrols.
        since = timezone.localdate() - datetime.timedelta(days=60)
        offer(self, "patrol", Patrol.objects.select_related("place").filter(patrolled_on__gte=since))

    def clean_dog_number(self) -> Licence | None:
        number = self.cleaned_data["dog_number"].strip()
        if not number:
            return None
        licence = licence_by_number(number)
        if licence is None:
            raise forms.ValidationError(_("No tag or licence has this number."))
        return licence

    def case_fields(self) -> dict[str, Any]:
        """The case's fields; a tagged dog's owner stands in for an offender not otherwise named."""
        data = self.cleaned_data
        licence = data["dog_number"]
        owner = licence.dog.owner if licence else None
        return {
            "violation_type": data["violation_type"],
            "place": data["place"],
            "patrol": data["patrol"],
            "observed_on": data["observed_on"],
            "dog": licence.dog if licence else None,
            "offender_name": data["offender_name"] or (owner.name if owner else ""),
            "offender_resident_id": data["offender_resident_id"].strip() or (owner.resident_id if owner else ""),
            "offender_address": data["offender_address"] or (owner.household.address if owner else ""),
            "description": data["description"],
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    fine_yuan = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0, max_digits=10, decimal_places=2)
    reasons = forms.CharField(label=_("Reasons for the decision"), widget=forms.Textarea(attrs={"rows": 3}))
    defence = forms.CharField(
        label=_("The party's statement and defence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the party said when told of the intended penalty; empty when they said nothing."),
    )


class FollowUpForm(forms.Form):
    corrected = forms.TypedChoiceField(
        label=_("At the follow-up"),
        choices=[("yes", _("Corrected")), ("no", _("Not corrected"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def words(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class InspectorChoiceField(forms.ModelChoiceField):
    """An active inspector, shown by name; anyone else is refused with a message saying why."""

    default_error_messages = {"invalid_choice": _("Choose one of the inspectors listed: only inspectors handle cases.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=access.case_handlers(), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


UNASSIGNED = "none"


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *CaseStatus.choices]
    )
    violation_type = forms.ModelChoiceField(
        label=_("Violation"), required=False, empty_label=_("All violations"), queryset=ViolationType.objects.all()
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    mine = forms.BooleanField(label=_("My cases"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inspectors = [(str(person.pk), person.get_full_name() or person.username) for person in access.case_handlers()]
        self.fields["assignee"].choices = [("", _("Anyone")), (UNASSIGNED, _("No one yet")), *inspectors]  # type: ignore[attr-defined]


class AssignCaseForm(forms.Form):
    assignee = InspectorChoiceField(label=_("Assign to"))


class IntakeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[(IntakeReason.FOUND, IntakeReason.FOUND.label)])
    intake_on = date_field(_("Taken in on"))
    dog_number = forms.CharField(
        label=_("Tag or licence number"),
        max_length=20,
        required=False,
        help_text=_("When the dog wears a tag, its owner is looked up and must be told."),
    )
    description = forms.CharField(label=_("Description"), max_length=200)

    clean_dog_number = CaseForm.clean_dog_number


class OwnerNoticeForm(forms.Form):
    notified_on = date_field(_("Owner told on"))


class AdoptionForm(forms.Form):
    adopter_name = forms.CharField(label=_("Adopter"), max_length=50)
    adopter_phone = forms.CharField(label=_("Adopter phone"), max_length=30)
