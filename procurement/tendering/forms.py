"""Forms of tendering: a question, a challenge (质疑) to the call documents with supporting files and
the organization it is made for, and the officers' tender screens (lots, criteria, amendments,
suspension, cancellation, answers)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from core.models import DocumentType
from core.normalize import CleanInputMixin
from core.upload_fields import MultipleFileField
from procurement.tendering import checks
from procurement.tendering.models.tenders import Challenge, ChallengeStatus, Lot
from procurement.tendering.services.clarifications import CHALLENGE_MAX_DOCUMENTS
from procurement.tendering.services.documents import (
    AMENDMENT_DOCUMENT_TYPES,
    AMENDMENT_MAX_DOCUMENTS,
    CALL_DOCUMENT_TYPES,
)
from procurement.tendering.services.tenders import AMENDABLE_FIELDS


class QuestionForm(CleanInputMixin, forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Questions and answers are published on the call's page; your name and organization are not."
        ),
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)

        add_organization_field(self, list(organizations))


def add_organization_field(form, organizations) -> None:
    """A choice of organization for members of several; none for members of one."""
    if len(organizations) > 1:
        form.fields["organization"] = forms.ModelChoiceField(
            label=_("For the organization"),
            queryset=organizations[0].__class__.objects.filter(pk__in=[o.pk for o in organizations]),
        )


class ChallengeForm(CleanInputMixin, forms.Form):
    text = forms.CharField(
        label=_("Your challenge"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "State what in the call documents you challenge, why, and what you ask for. Only the purchasing "
            "unit and your organization see it."
        ),
    )
    files = MultipleFileField(
        label=_("Supporting documents"),
        required=False,
        help_text=_("At most %(n)s files (pdf, docx, xlsx, jpg, png, zip).") % {"n": CHALLENGE_MAX_DOCUMENTS},
    )

    def __init__(self, *args, organizations=(), lots=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_organization_field(self, list(organizations))
        lots = list(lots)
        if len(lots) > 1:
            self.fields["lot"] = forms.ModelChoiceField(
                label=_("Lot"),
                queryset=lots[0].__class__.objects.filter(pk__in=[lot.pk for lot in lots]).order_by("number"),
                required=False,
                empty_label=_("The whole call"),
            )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > CHALLENGE_MAX_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": CHALLENGE_MAX_DOCUMENTS})
        for upload in files:
            validate_document_file(upload)
        return files


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LotForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["title", "description", "ceiling"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


LotFormSet = forms.modelformset_factory(Lot, form=LotForm, extra=1, can_delete=True)


class CriterionKind:
    PRICE = "price"
    OBJECTIVE = "objective"
    SUBJECTIVE = "subjective"
    CHOICES = [
        (PRICE, _("Price")),
        (OBJECTIVE, _("Objective (same score from every expert)")),
        (SUBJECTIVE, _("Subjective (each expert's judgement)")),
    ]


class CriterionForm(CleanInputMixin, forms.Form):
    """One row of the scoring-sheet editor. Every row may be left empty (it is then ignored)."""

    name = forms.CharField(label=_("Criterion"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CriterionKind.CHOICES, initial=CriterionKind.SUBJECTIVE)
    max_points = forms.DecimalField(
        label=_("Maximum points"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=100
    )
    description = forms.CharField(
        label=_("Scoring guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The editor is a table: each input is named by its column's label.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)
        self.fields["max_points"].widget.attrs.update({"data-points": "", "inputmode": "decimal"})
        self.fields["name"].widget.attrs["class"] = "sheet-name"

    @classmethod
    def initial_for(cls, criterion) -> dict:
        if criterion.is_price:
            kind = CriterionKind.PRICE
        elif criterion.is_objective:
            kind = CriterionKind.OBJECTIVE
        else:
            kind = CriterionKind.SUBJECTIVE
        return {
            "name": criterion.name,
            "kind": kind,
            "max_points": criterion.max_points,
            "description": criterion.description,
        }

    def clean(self):
        data = super().clean()
        name, kind = data.get("name"), data.get("kind")
        if name and kind:
            problem = checks.qualification_problem(name, kind == CriterionKind.PRICE)
            if problem:
                self.add_error("name", problem)
        return data

    def as_criterion(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "max_points": data["max_points"],
            "is_price": data["kind"] == CriterionKind.PRICE,
            "is_objective": data["kind"] in (CriterionKind.PRICE, CriterionKind.OBJECTIVE),
            "description": data.get("description", ""),
        }


SHEET_MAX_ROWS = 30


class BaseCriterionFormSet(forms.BaseFormSet):
    """The rows of a lot's scoring sheet, in the order shown. No row is an "initial" form: the
    editor adds, moves and removes rows before saving, so any row may be left empty (and is then
    ignored). With `method`, the sheet's rules are checked row by row (price weight, one price
    criterion) and as a whole (the total), in the words of `checks`."""

    def __init__(self, *args, method=None, **kwargs):
        self.method = method
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.extra = len(self.initial or ()) or 1

    def initial_form_count(self):
        return 0

    def filled_forms(self) -> list:
        """The rows that count: neither left empty nor ticked for removal."""
        return [
            f for f in self.forms if f.has_changed() and not (self.can_delete and self._should_delete_form(f))
        ]

    def clean(self):
        if self.method is None:
            return
        filled = self.filled_forms()
        if not filled:
            raise forms.ValidationError(_("The scoring sheet has no criteria."))
        data = [getattr(f, "cleaned_data", {}) for f in filled]
        # Before any row error below takes its value out of `cleaned_data`.
        total = sum((d["max_points"] for d in data if d.get("max_points") is not None), Decimal("0"))
        prices = [f for f, d in zip(filled, data, strict=True) if d.get("kind") == CriterionKind.PRICE]
        for form in prices:
            problem = checks.price_count_problem(len(prices))
            if problem:
                form.add_error("kind", problem)
            elif form.cleaned_data.get("max_points") is not None:
                problem = checks.price_points_problem(self.method, form.cleaned_data["max_points"])
                if problem:
                    form.add_error("max_points", problem)
        problems = [checks.sheet_total_problem(total)]
        if not prices:
            problems.append(checks.price_count_problem(0))
        problems = [p for p in problems if p]
        if problems:
            raise forms.ValidationError(problems)


CriterionFormSet = forms.formset_factory(
    CriterionForm,
    formset=BaseCriterionFormSet,
    extra=1,
    can_delete=True,
    max_num=SHEET_MAX_ROWS,
    validate_max=True,
    absolute_max=SHEET_MAX_ROWS + 20,
)


class AmendmentNoticeForm(CleanInputMixin, forms.Form):
    """What every amendment states: the public notice, the deadline and whether bids are affected."""

    description = forms.CharField(
        label=_("Amendment notice"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published on the call's page and sent to everyone who fetched the documents."),
    )
    bid_deadline = forms.DateTimeField(
        label=_("New bid deadline"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_("Leave empty to keep the deadline (it still moves if the notice rule requires it)."),
    )
    affects_bids = forms.BooleanField(
        label=_("The amendment affects bids"),
        required=False,
        initial=True,
        help_text=_("Bids already submitted must then be confirmed again."),
    )


class AmendmentDocumentsForm(AmendmentNoticeForm):
    """The notice plus the replacement documents (public with the amendment)."""

    files = MultipleFileField(
        label=_("Replacement documents"),
        required=False,
        help_text=_(
            "The amended call documents, published with the amendment on the call's page. At most "
            "%(n)s files (pdf, docx, xlsx, jpg, png, zip)."
        )
        % {"n": AMENDMENT_MAX_DOCUMENTS},
    )
    document_type = forms.ChoiceField(
        label=_("Kind of document"),
        choices=[(value, DocumentType(value).label) for value in AMENDMENT_DOCUMENT_TYPES],
        initial=DocumentType.BIDDING_DOCUMENTS,
        required=False,
        help_text=_("The kind of the replacement documents above."),
    )

    def clean_document_type(self):
        return self.cleaned_data.get("document_type") or DocumentType.BIDDING_DOCUMENTS

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > AMENDMENT_MAX_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": AMENDMENT_MAX_DOCUMENTS})
        for upload in files:
            validate_document_file(upload)
        return files


def amendment_form_class(tender_model):
    """The amendment form: the notice, the replacement documents and every amendable field of the
    tender, pre-filled."""
    field_forms = forms.models.fields_for_model(tender_model, fields=AMENDABLE_FIELDS)
    return type("AmendmentForm", (AmendmentDocumentsForm,), dict(field_forms))


class CallDocumentForm(CleanInputMixin, forms.Form):
    document_type = forms.ChoiceField(
        label=_("Kind of document"),
        choices=[(value, DocumentType(value).label) for value in CALL_DOCUMENT_TYPES],
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), validators=[validate_document_file])


class SuspendForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the suspension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the call's page."),
    )
    challenge = forms.ModelChoiceField(
        label=_("Because of the challenge"), queryset=Challenge.objects.none(), required=False
    )

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["challenge"].queryset = tender.challenges.filter(status=ChallengeStatus.OPEN)


class ResumeForm(CleanInputMixin, forms.Form):
    bid_deadline = forms.DateTimeField(
        label=_("New bid deadline"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_("Leave empty to give back the time that was left, at least the amendment notice."),
    )


class CancelForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the call's page."),
    )


class ChallengeAnswerForm(CleanInputMixin, forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))
