"""Forms of the referral pages (转介). They parse input; `volunteers.services.referrals` holds the
rules and its ValidationErrors come back as form errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import District
from core.normalize import CleanInputMixin
from volunteers.models import NeedSlot, ReferralStatus, Skill, Volunteer
from volunteers.services.referrals import NOTE_MAX, REASON_MAX


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "All")), *ReferralStatus.choices],
    )


class NeedSearchForm(CleanInputMixin, forms.Form):
    q = forms.CharField(
        label=pgettext_lazy("referral", "Need, project or organizer"), required=False, max_length=100
    )


class VolunteerSearchForm(CleanInputMixin, forms.Form):
    """The centre's search of volunteers who fit a need (GET)."""

    q = forms.CharField(
        label=pgettext_lazy("referral", "Name or volunteer number"), required=False, max_length=50
    )
    slot = SlotChoiceField(
        label=_("Time slot"),
        queryset=NeedSlot.objects.none(),
        required=False,
        empty_label=pgettext_lazy("referral", "Any open time slot"),
    )
    district = forms.ModelChoiceField(
        label=pgettext_lazy("referral", "Serves in district"),
        queryset=District.objects.all(),
        required=False,
        empty_label=pgettext_lazy("filter", "All"),
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.all(),
        required=False,
        empty_label=pgettext_lazy("filter", "All"),
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = NeedSlot.objects.filter(pk__in=[s.pk for s in slots]).order_by(
            "starts_at"
        )


class ReferralCreateForm(CleanInputMixin, forms.Form):
    """The volunteers picked, the slot (optional) and the note; `confirmed` is set by the
    confirmation step."""

    volunteers = forms.ModelMultipleChoiceField(
        label=_("Volunteers"),
        queryset=Volunteer.objects.none(),
        error_messages={"required": pgettext_lazy("referral", "Choose at least one volunteer.")},
    )
    slot = SlotChoiceField(
        label=_("Time slot"),
        queryset=NeedSlot.objects.none(),
        required=False,
        empty_label=_("chosen by the organization"),
    )
    note = forms.CharField(
        label=pgettext_lazy("referral", "Note to the organization"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, volunteers=None, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        if volunteers is not None:
            self.fields["volunteers"].queryset = volunteers
        self.fields["slot"].queryset = NeedSlot.objects.filter(pk__in=[s.pk for s in slots]).order_by(
            "starts_at"
        )


class AcceptForm(forms.Form):
    slot = SlotChoiceField(label=_("Time slot"), queryset=NeedSlot.objects.none(), required=False)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = NeedSlot.objects.filter(pk__in=[s.pk for s in slots]).order_by(
            "starts_at"
        )


class DeclineForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("referral", "Reason for declining"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=pgettext_lazy("referral", "The volunteer and the volunteer centre read it."),
        error_messages={"required": pgettext_lazy("referral", "Give the reason for declining.")},
    )


class VolunteerDeclineForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("referral", "Reason (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
