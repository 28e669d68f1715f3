"""Site forms of volunteering. They parse input; the services hold the rules."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import District, VolunteerServiceType
from core.normalize import CleanInputMixin
from volunteers.services.registration import Registration, split_tags

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class RegistrationForm(CleanInputMixin, forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        help_text=_("Stored encrypted; only a masked form is ever shown."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    skills = forms.CharField(label=_("Skills"), required=False, help_text=_("Separate skills with commas."))
    service_types = forms.ModelMultipleChoiceField(
        label=_("Service types I am interested in"),
        queryset=VolunteerServiceType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts where I can serve"),
        queryset=District.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days I am usually available"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    available_from = forms.TimeField(label=_("Available from"), initial=datetime.time(9), required=False)
    available_to = forms.TimeField(label=_("Available until"), initial=datetime.time(17), required=False)
    languages = forms.CharField(label=_("Languages"), required=False, initial="普通话")
    emergency_name = forms.CharField(label=_("Emergency contact"), max_length=50)
    emergency_phone = forms.CharField(label=_("Emergency contact phone"), max_length=20)
    guardian_name = forms.CharField(label=_("Guardian (under 18)"), max_length=50, required=False)
    guardian_relation = forms.CharField(label=_("Relation to the guardian"), max_length=20, required=False)
    guardian_phone = forms.CharField(label=_("Guardian phone"), max_length=20, required=False)
    guardian_consent = forms.BooleanField(
        label=_("My guardian consents to my volunteering and to this registration"), required=False
    )
    public_name = forms.BooleanField(label=_("My name may be shown publicly"), required=False)
    public_hours = forms.BooleanField(label=_("My hours and stars may be shown publicly"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("weekdays"):
            start, end = data.get("available_from"), data.get("available_to")
            if not (start and end and end > start):
                self.add_error("available_to", _("The available time must end after it starts."))
        return data

    def registration(self) -> Registration:
        d = self.cleaned_data
        availability = [(day, d["available_from"], d["available_to"]) for day in d.get("weekdays") or []]
        return Registration(
            real_name=d["real_name"],
            id_number=d["id_number"],
            phone=d["phone"],
            emergency_name=d["emergency_name"],
            emergency_phone=d["emergency_phone"],
            skills=split_tags(d.get("skills", "")),
            service_types=list(d.get("service_types") or []),
            districts=list(d.get("districts") or []),
            availability=availability,
            languages=split_tags(d.get("languages", "")),
            guardian_name=d.get("guardian_name", ""),
            guardian_phone=d.get("guardian_phone", ""),
            guardian_relation=d.get("guardian_relation", ""),
            guardian_consent=d.get("guardian_consent", False),
            public_name=d.get("public_name", False),
            public_hours=d.get("public_hours", False),
        )


class CheckInForm(CleanInputMixin, forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=6)


class ManualHoursForm(CleanInputMixin, forms.Form):
    minutes = forms.IntegerField(label=_("Minutes served"), min_value=1)


class RejectForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionForm(CleanInputMixin, forms.Form):
    minutes = forms.IntegerField(label=_("Correct minutes"), min_value=1)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CertificateLookupForm(CleanInputMixin, forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=40)


class ImportForm(CleanInputMixin, forms.Form):
    file = forms.FileField(label=_("File (CSV or Excel)"))
