"""Forms of the register's site views. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.models import DocumentType, ServiceCategory
from core.normalize import CleanInputMixin
from orgs.models import MemberRole, Organization
from orgs.services.organizations import PROFILE_FIELDS, SELF_SERVICE_FIELDS_WHEN_VERIFIED

QUALIFICATION_DOCUMENT_TYPES = [
    (DocumentType.REGISTRATION_CERTIFICATE, DocumentType.REGISTRATION_CERTIFICATE.label),
    (DocumentType.QUALIFICATION, DocumentType.QUALIFICATION.label),
    (DocumentType.ANNUAL_REPORT, DocumentType.ANNUAL_REPORT.label),
    (DocumentType.OTHER, DocumentType.OTHER.label),
]


class DateInput(forms.DateInput):
    input_type = "date"


class OrganizationProfileForm(CleanInputMixin, forms.ModelForm):
    legal_rep_id_number = forms.CharField(
        label=_("Legal representative's ID number"),
        max_length=18,
        help_text=_("Stored encrypted; only the masked number is shown."),
    )
    service_categories = forms.ModelMultipleChoiceField(
        label=_("Service categories"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True, is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = list(PROFILE_FIELDS)
        widgets = {"founded_on": DateInput, "business_scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, id_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_rep_id_number"].required = id_required
        if not id_required:
            self.fields["legal_rep_id_number"].help_text = _("Leave empty to keep the number on file.")

    def validate_unique(self):
        # The service checks the USCC (with its Chinese messages and the registry override).
        pass


class ContactForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = list(SELF_SERVICE_FIELDS_WHEN_VERIFIED)
        widgets = {"business_scope": forms.Textarea(attrs={"rows": 3})}


class SignupAccountForm(CleanInputMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(
                    data["password1"], User(username=data.get("username", ""), email=data.get("email", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class DocumentForm(CleanInputMixin, forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=QUALIFICATION_DOCUMENT_TYPES)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)


class SignupDocumentsForm(CleanInputMixin, forms.Form):
    registration_certificate = forms.FileField(label=_("Registration certificate"))
    other_document = forms.FileField(label=_("Other qualification document"), required=False)


class RejectForm(CleanInputMixin, forms.Form):
    reasons = forms.CharField(
        label=_("Reasons (one per line)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("List every problem at once so that the applicant can correct everything in one go."),
    )

    def clean_reasons(self):
        reasons = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        if not reasons:
            raise forms.ValidationError(_("Give every reason for the rejection at once."))
        return reasons


class InviteForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.STAFF)


class InvitationSignupForm(CleanInputMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    clean_username = SignupAccountForm.clean_username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(
                    data["password1"], User(username=data.get("username", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
