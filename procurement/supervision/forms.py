"""Forms of public reports (投诉举报) and of the supervision board's filters."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from core.models import Department, ServiceCategory
from core.normalize import CleanInputMixin
from core.upload_fields import MultipleFileField
from orgs.models import Organization
from procurement import rules
from procurement.contracts.models.contracts import Contract, ContractStatus
from procurement.supervision.models import (
    LightColour,
    LightKind,
    PublicReportChannel,
    PublicReportOutcome,
    PublicReportTarget,
)
from procurement.supervision.selectors import active_supervisors
from procurement.supervision.services.public_reports import PUBLIC_REPORT_MAX_DOCUMENTS
from procurement.tendering.models.tenders import Tender, TenderStatus


class PublicReportForm(CleanInputMixin, forms.Form):
    target_kind = forms.ChoiceField(
        label=_("The report is about"), choices=PublicReportTarget.choices, widget=forms.RadioSelect
    )
    target_reference = forms.CharField(
        label=_("Project number, contract number or organization"),
        max_length=200,
        help_text=_(
            "The call's project number, the contract number, or the organization's unified social credit "
            "code or full name."
        ),
    )
    description = forms.CharField(
        label=_("What do you report?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Facts, dates, places and people involved. Do not include other people's ID numbers."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Your phone (optional)"), max_length=30, required=False)
    contact_email = forms.EmailField(
        label=_("Your email (optional)"),
        required=False,
        help_text=_(
            "Only the supervisors see your contact details. With an email you are told of each step."
        ),
    )
    files = MultipleFileField(
        label=_("Supporting documents"),
        required=False,
        help_text=_("At most %(n)s files (pdf, docx, xlsx, jpg, png, zip).")
        % {"n": PUBLIC_REPORT_MAX_DOCUMENTS},
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            self.fields["anonymous"] = forms.BooleanField(
                label=_("File anonymously (the report is not linked to your account)"), required=False
            )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > PUBLIC_REPORT_MAX_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": PUBLIC_REPORT_MAX_DOCUMENTS})
        for upload in files:
            validate_document_file(upload)
        return files

    def clean(self):
        data = super().clean()
        kind, reference = data.get("target_kind"), (data.get("target_reference") or "").strip()
        if not kind or not reference:
            return data
        if kind == PublicReportTarget.TENDER:
            data["tender"] = (
                Tender.objects.exclude(status__in=[TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL])
                .filter(reference=reference)
                .first()
            )
            if data["tender"] is None:
                self.add_error("target_reference", _("No published call has this project number."))
        elif kind == PublicReportTarget.CONTRACT:
            data["contract"] = (
                Contract.objects.exclude(status=ContractStatus.DRAFT).filter(reference=reference).first()
            )
            if data["contract"] is None:
                self.add_error("target_reference", _("No published contract has this number."))
        else:
            data["organization"] = (
                Organization.objects.filter(Q(uscc=reference.upper()) | Q(name=reference))
                .order_by("pk")
                .first()
            )
            if data["organization"] is None:
                self.add_error("target_reference", _("No registered organization has this code or name."))
        return data


class RecordForm(PublicReportForm):
    """A supervisor records a report received by letter, visit, phone or inspection."""

    channel = forms.ChoiceField(
        label=_("Received through"),
        choices=[c for c in PublicReportChannel.choices if c[0] != PublicReportChannel.WEB],
        widget=forms.RadioSelect,
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The acceptance deadline runs from this day, in working days."),
    )
    contact_address = forms.CharField(
        label=_("Reporter's address (optional)"), max_length=200, required=False
    )

    field_order = [
        "channel",
        "received_on",
        "target_kind",
        "target_reference",
        "description",
        "contact_name",
        "contact_phone",
        "contact_email",
        "contact_address",
        "files",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, signed_in=False, **kwargs)
        labels = {
            "description": _("What is reported"),
            "contact_name": _("Reporter's name (optional)"),
            "contact_phone": _("Reporter's phone (optional)"),
            "contact_email": _("Reporter's email (optional)"),
            "files": _("Scanned documents"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["description"].help_text = _("What the reporter said or wrote: facts, dates, places.")
        self.fields["contact_email"].help_text = _(
            "Staff only. With an email the reporter is sent the tracking number and each step."
        )
        self.order_fields(self.field_order)


class TransferForm(CleanInputMixin, forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department responsible"), queryset=Department.objects.order_by("name")
    )
    due_on = forms.DateField(
        label=_("Answer due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Instruction to the department (internal)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].help_text = _("Empty: %(n)s working days from today.") % {
            "n": rules.public_report_transfer_working_days()
        }


class TransferAnswerForm(CleanInputMixin, forms.Form):
    answer = forms.CharField(
        label=_("The department's answer (internal)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the department found and did. The supervisor concludes the report from it."),
    )


class TrackForm(CleanInputMixin, forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=30)


class AcceptForm(CleanInputMixin, forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None, required=False)
    due_on = forms.DateField(
        label=_("Answer due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = active_supervisors()
        self.fields["due_on"].help_text = _("Empty: %(n)s working days from today.") % {
            "n": rules.public_report_answer_working_days()
        }


class DeclineForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for not accepting (public)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AssignForm(CleanInputMixin, forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = active_supervisors()


class ConcludeForm(CleanInputMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PublicReportOutcome.choices)
    summary = forms.CharField(
        label=_("Outcome for the public (no personal data)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class BoardFilterForm(CleanInputMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LightKind.choices, required=False)
    colour = forms.ChoiceField(
        label=_("Colour"), choices=[("", _("All colours")), *LightColour.choices], required=False
    )
    department = forms.ModelChoiceField(
        label=_("Purchasing unit"), queryset=Department.objects.order_by("name"), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Service category"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "pk"),
        required=False,
    )
    organization = forms.CharField(label=_("Organization (code or name)"), max_length=200, required=False)

    def organizations(self):
        """A queryset of the organizations matching the text (None: no filter)."""
        text = (self.cleaned_data.get("organization") or "").strip() if self.is_valid() else ""
        if not text:
            return None
        return Organization.objects.filter(Q(uscc=text.upper()) | Q(name__icontains=text)).values("pk")
