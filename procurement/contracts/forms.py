"""Site forms of contracts: deliverables and progress reports (organizations), the officer's
decisions, payments and signing, and the anonymous satisfaction survey."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from core.normalize import CleanInputMixin
from core.upload_fields import MultipleFileField
from procurement.contracts.models.contracts import Contract, PaymentKind
from procurement.contracts.models.performance import EvaluationKind, SatisfactionLevel
from procurement.contracts.plan_rules import EDITABLE_FIELDS
from procurement.contracts.services.contracts import MAX_DELIVERABLE_DOCUMENTS


class _FilesMixin:
    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_DELIVERABLE_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": MAX_DELIVERABLE_DOCUMENTS})
        for upload in files:
            validate_document_file(upload)
        return files


class MilestoneSubmitForm(CleanInputMixin, _FilesMixin, forms.Form):
    text = forms.CharField(
        label=_("Description of the deliverable"), widget=forms.Textarea(attrs={"rows": 6})
    )
    files = MultipleFileField(label=_("Documents"), required=False)


class ProgressReportForm(CleanInputMixin, _FilesMixin, forms.Form):
    work_done = forms.CharField(label=_("Work done in the period"), widget=forms.Textarea(attrs={"rows": 6}))
    people_served = forms.IntegerField(label=_("People served in the period"), min_value=0, required=False)
    issues = forms.CharField(
        label=_("Problems and risks"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_steps = forms.CharField(
        label=_("Plan for the next period"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    files = MultipleFileField(label=_("Documents"), required=False)


class DecisionForm(CleanInputMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SignForm(CleanInputMixin, forms.Form):
    signed_copy = forms.FileField(label=_("Signed copy"), validators=[validate_document_file])


class PaymentForm(CleanInputMixin, forms.Form):
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


class SurveyForm(CleanInputMixin, forms.Form):
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


class TokensForm(CleanInputMixin, forms.Form):
    count = forms.IntegerField(label=_("Number of survey links"), min_value=1, max_value=500, initial=30)


DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ContractDraftForm(CleanInputMixin, forms.ModelForm):
    """The draft's own fields (saved by `contract_draft_save` with the targets and milestones)."""

    class Meta:
        model = Contract
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "starts_on": DATE["widget"],
            "ends_on": DATE["widget"],
            "continuing_reason": forms.Textarea(attrs={"rows": 2}),
            "service_standard": forms.Textarea(attrs={"rows": 4}),
        }

    def _post_clean(self):
        """The service checks the term and the shares (and saves); no model validation here."""


class TargetRowForm(CleanInputMixin, forms.Form):
    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Target"), max_length=200)
    measure = forms.CharField(label=_("Indicator and value"), max_length=200)
    weight = forms.DecimalField(label=_("Weight (points)"), max_digits=5, decimal_places=2, min_value=0.01)
    # A target measured in volunteer hours: the verified hours of the contract's volunteer projects
    # count toward it (issue 15). Empty for any other target.
    volunteer_hours_goal = forms.DecimalField(
        label=_("Volunteer hours to reach"),
        max_digits=9,
        decimal_places=1,
        min_value=Decimal("0.1"),
        required=False,
    )


class MilestoneRowForm(CleanInputMixin, forms.Form):
    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    deliverable = forms.CharField(label=_("Deliverable"), widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Due on"), **DATE)
    payment_share = forms.DecimalField(
        # xgettext:no-python-format
        label=_("Payment (% of the amount)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )


TargetFormSet = forms.formset_factory(TargetRowForm, extra=1, can_delete=True, max_num=30, validate_max=True)
MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm, extra=1, can_delete=True, max_num=30, validate_max=True
)


NewTargetFormSet = forms.formset_factory(TargetRowForm, extra=2, max_num=10, validate_max=True)


class AmendForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(
        label=_("Amount after (yuan)"), max_digits=14, decimal_places=2, min_value=0.01, required=False
    )
    starts_on = forms.DateField(label=_("Service from, after"), required=False, **DATE)
    ends_on = forms.DateField(label=_("Service until, after"), required=False, **DATE)
    targets_change = forms.CharField(
        label=_("Change to the targets"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    retire_targets = forms.TypedMultipleChoiceField(
        label=_("Targets retired by this amendment"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retire_targets"].choices = [(t.pk, f"{t.name}: {t.measure}") for t in targets]


class OpinionForm(CleanInputMixin, forms.Form):
    recipient = forms.CharField(
        label=_("Recipient (description, no name)"),
        max_length=100,
        help_text=_("For example: a representative of the elderly residents of the community."),
    )
    satisfied = forms.BooleanField(label=_("Satisfied"), required=False, initial=True)
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class ReportReviewForm(CleanInputMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the report")), ("return", _("Return it for revision"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the organization"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when the report is returned."),
    )


class TerminateForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for terminating"), widget=forms.Textarea(attrs={"rows": 4}))


class EvaluationOpenForm(CleanInputMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    third_party_assessor = forms.CharField(label=_("Third-party assessor"), max_length=200, required=False)
    survey_closes_on = forms.DateField(label=_("Survey open until"), required=False, **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = EvaluationKind.choices


class TargetScoresForm(CleanInputMixin, forms.Form):
    """One score (0–100) and note per current target, and the purchaser's comments."""

    comment = forms.CharField(
        label=_("Purchaser's comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, targets=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        scores = scores or {}
        self.targets = list(targets)
        for target in self.targets:
            current = scores.get(target.pk)
            self.fields[f"score_{target.pk}"] = forms.DecimalField(
                label=f"{target.name}（{target.measure}，{target.weight}）",
                max_digits=5,
                decimal_places=2,
                min_value=0,
                max_value=100,
                initial=current.score if current else None,
            )
            self.fields[f"note_{target.pk}"] = forms.CharField(
                label=_("What was achieved"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.note if current else "",
            )
        self.order_fields([*(f for t in self.targets for f in (f"score_{t.pk}", f"note_{t.pk}")), "comment"])

    def scores(self) -> dict:
        data = self.cleaned_data
        return {t.pk: (data[f"score_{t.pk}"], data.get(f"note_{t.pk}", "")) for t in self.targets}


class ThirdPartyForm(CleanInputMixin, forms.Form):
    assessor = forms.CharField(label=_("Third-party assessor"), max_length=200)
    score = forms.DecimalField(
        label=_("Third-party score"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    comment = forms.CharField(
        label=_("Third-party comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
