"""Site forms of contracts: deliverables and progress reports (organizations), the officer's
decisions, payments and signing, and the anonymous satisfaction survey."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from procurement.forms_challenges import MultipleFileField
from procurement.models import PaymentKind, SatisfactionLevel
from procurement.services.contracts import MAX_DELIVERABLE_DOCUMENTS


class _FilesMixin:
    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_DELIVERABLE_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": MAX_DELIVERABLE_DOCUMENTS})
        for upload in files:
            validate_document_file(upload)
        return files


class MilestoneSubmitForm(_FilesMixin, forms.Form):
    text = forms.CharField(
        label=_("Description of the deliverable"), widget=forms.Textarea(attrs={"rows": 6})
    )
    files = MultipleFileField(label=_("Documents"), required=False)


class ProgressReportForm(_FilesMixin, forms.Form):
    work_done = forms.CharField(label=_("Work done in the period"), widget=forms.Textarea(attrs={"rows": 6}))
    people_served = forms.IntegerField(label=_("People served in the period"), min_value=0, required=False)
    issues = forms.CharField(
        label=_("Problems and risks"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_steps = forms.CharField(
        label=_("Plan for the next period"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    files = MultipleFileField(label=_("Documents"), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SignForm(forms.Form):
    signed_copy = forms.FileField(label=_("Signed copy"), validators=[validate_document_file])


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PaymentKind.choices)
    milestone = forms.TypedChoiceField(label=_("Milestone"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False)
    treasury_reference = forms.CharField(label=_("Treasury payment reference"), max_length=60)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", "—")] + [
            (m.pk, f"{m.number}. {m.deliverable[:40]}") for m in milestones
        ]


class SurveyForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Overall satisfaction"),
        choices=SatisfactionLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    timeliness = forms.TypedChoiceField(
        label=_("Timeliness of the service"),
        choices=SatisfactionLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    attitude = forms.TypedChoiceField(
        label=_("Attitude of the staff"),
        choices=SatisfactionLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments (do not write your name)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class TokensForm(forms.Form):
    count = forms.IntegerField(label=_("Number of survey links"), min_value=1, max_value=500, initial=30)
