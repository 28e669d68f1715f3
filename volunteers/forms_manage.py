"""Site forms of organizers, social workers and qualifications. They parse input; the services hold
the rules (permissions, states, limits) and their ValidationErrors come back as form errors."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from core.models import District, VolunteerServiceType
from core.normalize import CleanInputMixin
from volunteers.models import RiskLevel, SocialWorkerLevel
from volunteers.services.needs import NEED_ELIGIBILITY_FIELDS

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SLOT_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s+(\d{1,2}:\d{2})\s*[-–~至到]\s*(\d{1,2}:\d{2})$")


def parse_slots(text: str) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """One slot a line, "2026-05-01 09:00-12:00" (Asia/Shanghai). Raises ValidationError naming the
    first bad line."""
    slots = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = SLOT_LINE.match(line)
        try:
            if not match:
                raise ValueError
            day = datetime.date.fromisoformat("-".join(part.zfill(2) for part in match.group(1).split("-")))
            start = datetime.time.fromisoformat(match.group(2).zfill(5))
            end = datetime.time.fromisoformat(match.group(3).zfill(5))
        except ValueError:
            raise forms.ValidationError(
                _("Line %(line)s: write each time slot as 2026-05-01 09:00-12:00."), params={"line": number}
            ) from None
        if end <= start:
            raise forms.ValidationError(
                _("Line %(line)s: the time slot must end after it starts."), params={"line": number}
            )
        slots.append(
            (
                timezone.make_aware(datetime.datetime.combine(day, start)),
                timezone.make_aware(datetime.datetime.combine(day, end)),
            )
        )
    if not slots:
        raise forms.ValidationError(_("Add at least one time slot."))
    return slots


class ProjectForm(CleanInputMixin, forms.Form):
    owner = forms.ChoiceField(label=_("Organizer"))
    title = forms.CharField(label=_("Project"), max_length=200)
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)

    def __init__(self, *args, owners: list[tuple[str, str]] | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = owners or []


class NeedForm(CleanInputMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=VolunteerServiceType.objects.all()
    )
    skills = forms.CharField(label=_("Skills"), required=False, help_text=_("Separate skills with commas."))
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.all())
    address = forms.CharField(label=_("Address"), max_length=200)
    district_required = forms.BooleanField(label=_("Only volunteers of this district"), required=False)
    headcount = forms.IntegerField(label=_("Volunteers per time slot"), min_value=1, max_value=1000)
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=100, initial=18)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.LOW)
    requires_qualification = forms.BooleanField(
        label=_("A recorded qualification is required"),
        required=False,
        help_text=_("Always on for counselling, community corrections and emergency rescue."),
    )
    requires_approval = forms.BooleanField(label=_("Every match needs human approval"), required=False)
    required_training = forms.CharField(
        label=_("Required training"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "training-courses", "autocomplete": "off"}),
        help_text=_(
            "Only volunteers with this course on their training records may sign up; choose a course on "
            "record or type its name. Leave empty when no training is required."
        ),
    )
    signup_closes_at = forms.DateTimeField(
        label=_("Sign-up closes at"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    slots = forms.CharField(
        label=_("Time slots"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-05-01 09:00-12:00"}),
        help_text=_("One time slot a line, for example 2026-05-01 09:00-12:00."),
    )

    def clean_slots(self):
        return parse_slots(self.cleaned_data["slots"])

    def clean_signup_closes_at(self):
        value = self.cleaned_data["signup_closes_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Sign-up must close in the future."))
        return value


class NeedEditForm(NeedForm):
    """The need form without what is never edited here (service type, district, time slots). Who
    may sign up is left out once it is fixed (`eligibility=False`, shown read-only by the page), and
    the closing time once sign-up has closed (`closing_time=False`). The service checks the rules."""

    def __init__(self, *args, eligibility: bool = True, closing_time: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        dropped = ["service_type", "district", "slots"]
        dropped += [] if eligibility else list(NEED_ELIGIBILITY_FIELDS)
        dropped += [] if closing_time else ["signup_closes_at"]
        for name in dropped:
            del self.fields[name]

    def clean_signup_closes_at(self):
        """The field shows minutes: the minute shown stands for the stored time (unchanged)."""
        value = self.cleaned_data["signup_closes_at"]
        initial = self.initial.get("signup_closes_at")
        if initial is not None and value == initial.replace(second=0, microsecond=0):
            return initial
        return value


class InsuranceForm(CleanInputMixin, forms.Form):
    policy_no = forms.CharField(label=_("Accident insurance policy"), max_length=60)
    insurer = forms.CharField(label=_("Insurer"), max_length=100)
    document = forms.FileField(
        label=_("Policy document"),
        validators=[validate_document_file],
        help_text=_("PDF or an image of the policy; only the organizers and bureau staff see it."),
    )


class CancelNeedForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancellation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to every volunteer whose sign-up is cancelled."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that every sign-up of this need is cancelled and the volunteers are told."),
    )


class SocialWorkerForm(CleanInputMixin, forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    level = forms.ChoiceField(label=_("Level"), choices=SocialWorkerLevel.choices)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=40)
    registered_on = forms.DateField(label=_("Registration date"), widget=DATE_INPUT)


class StaffSocialWorkerForm(SocialWorkerForm):
    username = forms.CharField(
        label=_("Username of the social worker's account"),
        max_length=150,
        help_text=_("The account must exist."),
    )
    field_order = ["username"]


class EducationForm(CleanInputMixin, forms.Form):
    course = forms.CharField(label=_("Course"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_digits=6, decimal_places=1)
    taken_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    issuer = forms.CharField(label=_("Issued by"), max_length=100)


class TeamForm(CleanInputMixin, forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)


class TeamMemberForm(CleanInputMixin, forms.Form):
    number = forms.CharField(label=_("Volunteer number"), max_length=20)


class QualificationForm(CleanInputMixin, forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=VolunteerServiceType.objects.filter(requires_qualification=True)
    )
    title = forms.CharField(label=_("Qualification"), max_length=100)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE_INPUT)
    document = forms.FileField(
        label=_("Proof (certificate scan)"),
        validators=[validate_document_file],
        help_text=_("PDF or an image; only you, your organizers and bureau staff see it."),
    )


class TrainingForm(CleanInputMixin, forms.Form):
    course = forms.CharField(label=_("Course"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_digits=6, decimal_places=1)
    taken_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    issuer = forms.CharField(label=_("Issued by"), max_length=100)


class CommendationForm(CleanInputMixin, forms.Form):
    title = forms.CharField(label=_("Honour"), max_length=200)
    awarded_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    issuer = forms.CharField(label=_("Awarded by"), max_length=100)
