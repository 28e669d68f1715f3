"""Site forms of organizations: a challenge (质疑) to the call documents, with supporting files,
and the organization a question or challenge is made for."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.documents import validate_document_file
from procurement.services.clarifications import CHALLENGE_MAX_DOCUMENTS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def add_organization_field(form, organizations) -> None:
    """A choice of organization for members of several; none for members of one."""
    if len(organizations) > 1:
        form.fields["organization"] = forms.ModelChoiceField(
            label=_("For the organization"),
            queryset=organizations[0].__class__.objects.filter(pk__in=[o.pk for o in organizations]),
        )


class ChallengeForm(forms.Form):
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
