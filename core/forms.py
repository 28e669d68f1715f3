from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.documents import allowed_extensions, validate_document_file
from core.models import DocumentType, DocumentVisibility
from core.normalize import CleanInputMixin


def _accepted_types_text() -> str:
    return gettext("Accepted types: %(types)s.") % {"types": ", ".join(allowed_extensions())}


_accepted_types_help = lazy(_accepted_types_text, str)


class DocumentFileField(forms.FileField):
    """A file field that accepts only what `core.documents` accepts (name, size, real type)."""

    default_validators = [validate_document_file]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("File"))
        kwargs.setdefault("help_text", _accepted_types_help())
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ",".join(f".{ext}" for ext in allowed_extensions())
        return attrs


class DocumentUploadForm(CleanInputMixin, forms.Form):
    """A reusable upload form; the owning app's view passes the cleaned data to `document_upload`."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=DocumentVisibility.choices, initial=DocumentVisibility.OWNER_AND_STAFF
    )
    file = DocumentFileField()


def add_service_errors(form, exc) -> None:
    """Show a service's refusal on the form: a `ValidationError` per field where the field exists on
    the form, else as a form-wide error; a `PermissionDenied` as a form-wide error. Views call
    services and use this so no refusal is a 500."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or gettext("You may not do this."))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
