"""Private documents: upload validation, the upload service and the view-permission registry.

Upload: `document_upload(actor=..., owner=..., file=..., document_type=..., title=..., visibility=...)`.
The caller (the owning app's service) decides whether the actor may attach a document to `owner`;
this module checks the file itself: name, size, extension and real content against an allow-list.

Viewing: the app that owns a kind of object registers who may see its documents::

    register_document_permission("orgs.Organization", lambda user, document, owner: ...)

`can_view_document(user, document)` lets everyone see a public document; otherwise the owner's rule
decides (superusers get no automatic pass); without a rule only the uploader and bureau staff see it.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

import audit
from accounts.roles import STAFF_ROLES
from core import rules
from core.models import Document, DocumentType, DocumentVisibility

# extension -> (the content type we store and serve, the filetype kinds its content may have)
ALLOWED_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx", "zip"}),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx", "zip"})),
    "jpg": ("image/jpeg", frozenset({"jpg"})),
    "jpeg": ("image/jpeg", frozenset({"jpg"})),
    "png": ("image/png", frozenset({"png"})),
    "zip": ("application/zip", frozenset({"zip", "docx", "xlsx", "pptx"})),
}
# The part an Office Open XML package must contain, besides [Content_Types].xml.
OFFICE_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Programs and scripts, refused whatever their name says.
EXECUTABLE_SIGNATURES = (
    b"\x7fELF",  # Linux/Unix
    b"MZ",  # Windows PE
    b"#!",  # scripts
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
)
MAX_FILENAME_LENGTH = 150
SNIFF_BYTES = 8192


def allowed_extensions() -> list[str]:
    return sorted(ALLOWED_TYPES)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def validate_document_filename(name: str) -> str:
    """Refuse names that could address another path or hide themselves; return the extension."""
    if not name or not name.strip():
        raise ValidationError(_("The file has no name."), code="filename")
    if (
        "\x00" in name
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(unicodedata.category(ch) == "Cc" for ch in name)
    ):
        raise ValidationError(
            _(
                "The file name “%(name)s” is not allowed: it must not contain path separators, “..”, "
                "control characters or start with a dot. Rename the file and upload it again."
            ),
            code="filename",
            params={"name": name.replace("\x00", "")[:80]},
        )
    if len(name) > MAX_FILENAME_LENGTH:
        raise ValidationError(
            _("The file name is too long (at most %(max)d characters)."),
            code="filename",
            params={"max": MAX_FILENAME_LENGTH},
        )
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted. Accepted types: %(allowed)s."),
            code="extension",
            params={"ext": extension or _("none"), "allowed": ", ".join(allowed_extensions())},
        )
    return extension


def _check_content(file, extension: str) -> None:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise ValidationError(
            _("This file is a program or script, not a document, and is refused."), code="executable"
        )
    kind = filetype.guess(head)
    expected_kinds = ALLOWED_TYPES[extension][1]
    if kind is None or kind.extension not in expected_kinds:
        raise ValidationError(
            _("The content of the file does not match its “.%(ext)s” name. Upload a real %(ext)s file."),
            code="content_type",
            params={"ext": extension},
        )
    if "zip" in expected_kinds:
        _check_zip(file, extension)


def _check_zip(file, extension: str) -> None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            _("The file is damaged: it cannot be opened as a %(ext)s file."),
            code="content_type",
            params={"ext": extension},
        ) from None
    main_part = OFFICE_MAIN_PART.get(extension)
    if main_part and not ({"[Content_Types].xml", main_part} <= names):
        raise ValidationError(
            _("The content of the file does not match its “.%(ext)s” name. Upload a real %(ext)s file."),
            code="content_type",
            params={"ext": extension},
        )


def check_document_file(file, *, name: str | None = None) -> CheckedFile:
    """Validate an uploaded file (name, size, extension, real content) and measure it. Raises
    `ValidationError` with a message the uploader can act on."""
    name = name if name is not None else (getattr(file, "name", "") or "")
    name = str(name)
    extension = validate_document_filename(name)
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = rules.document_max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            code="size",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    _check_content(file, extension)
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return CheckedFile(name, extension, ALLOWED_TYPES[extension][0], size, digest.hexdigest())


def validate_document_file(file) -> None:
    """A form-field validator: `forms.FileField(validators=[validate_document_file])`."""
    check_document_file(file)


@transaction.atomic
def document_upload(
    *,
    actor,
    owner: models.Model,
    file,
    document_type: str,
    title: str = "",
    visibility: str = DocumentVisibility.OWNER_AND_STAFF,
) -> Document:
    """Store a validated file for `owner` in private storage under a generated name, with its hash.
    The caller has checked that `actor` may attach documents to `owner`."""
    checked = check_document_file(file)
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": _("Choose a valid document type.")})
    if visibility not in DocumentVisibility.values:
        raise ValidationError({"visibility": _("Choose a valid visibility.")})
    if owner is None or owner.pk is None:
        raise ValidationError(_("A document must belong to a saved record."))
    document = Document(
        owner=owner,
        document_type=document_type,
        title=(title or os.path.splitext(checked.name)[0])[:200],
        original_filename=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        visibility=visibility,
    )
    if not isinstance(file, File):
        file = File(file, name=checked.name)
    document.file.save(checked.name, file, save=False)
    try:
        document.save()
        audit.record(
            actor=actor,
            action="document.upload",
            target=document,
            after={
                "owner": f"{document.owner_content_type.app_label}.{document.owner_content_type.model}"
                f":{document.owner_object_id}",
                "document_type": document_type,
                "file": checked.name,
                "size": checked.size,
                "sha256": checked.sha256,
                "visibility": visibility,
            },
        )
    except Exception:
        document.file.delete(save=False)
        raise
    return document


# --- who may see a document ------------------------------------------------------------------------

DocumentRule = Callable[[object, Document, object], bool]
_RULES: dict[str, DocumentRule] = {}


def register_document_permission(model_label: str, fn: DocumentRule) -> None:
    """`fn(user, document, owner) -> bool` decides who may see non-public documents of the model
    `model_label` ("app_label.ModelName"). Its app registers it in `AppConfig.ready()`."""
    _RULES[model_label.lower()] = fn


def _is_bureau_staff(user) -> bool:
    return bool(user.role_names & {role.value for role in STAFF_ROLES})


def can_view_document(user, document: Document) -> bool:
    if document.visibility == DocumentVisibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    content_type = document.owner_content_type
    rule = _RULES.get(f"{content_type.app_label}.{content_type.model}")
    if rule is not None:
        return bool(rule(user, document, document.owner))
    return document.uploaded_by_id == user.pk or _is_bureau_staff(user)


def documents_by_owner(model: type[models.Model], pks) -> dict[str, list[Document]]:
    """The documents of several owners of one model in one query, {str(pk): [documents, oldest
    first]} (filter per user with the owner's rule or `can_view_document`)."""
    # Imported here as in `documents_of`: contenttypes is read only when documents are listed.
    from django.contrib.contenttypes.models import ContentType

    grouped: dict[str, list[Document]] = {str(pk): [] for pk in pks}
    if not grouped:
        return grouped
    for document in Document.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(model), owner_object_id__in=list(grouped)
    ).order_by("uploaded_at", "pk"):
        grouped[document.owner_object_id].append(document)
    return grouped


def documents_of(owner: models.Model) -> models.QuerySet[Document]:
    """Documents attached to `owner` (filter further with `can_view_document` per user)."""
    from django.contrib.contenttypes.models import ContentType

    return Document.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(owner), owner_object_id=str(owner.pk)
    ).select_related("owner_content_type")
