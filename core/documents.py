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

import datetime
import hashlib
import io
import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import filetype
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.roles import STAFF_ROLES
from core import rules
from core.models import Document, DocumentType, DocumentVisibility
from core.normalize import NAME, normalize_name, problem

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
        or problem(name, NAME)  # bidi controls (“invoice\u202efdp.exe”) and zero-width characters
    ):
        raise ValidationError(
            _(
                "The file name “%(name)s” is not allowed: it must not contain path separators, “..”, "
                "control characters or start with a dot. Rename the file and upload it again."
            ),
            code="filename",
            params={"name": "".join(ch for ch in name if not problem(ch, NAME))[:80]},
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
            inspect_archive(archive, extension=extension, depth=1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
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


# --- inside zip archives and Office files (docx/xlsx/pptx are zip packages) ------------------------

# Names of programs and scripts, refused inside an archive whatever their content.
EXECUTABLE_EXTENSIONS = frozenset(
    "exe dll com scr pif cpl msi msp mst sys drv ocx bat cmd ps1 psm1 vbs vbe js jse wsf wsh wsc hta "
    "lnk reg inf jar class apk app elf so dylib bin sh bash zsh csh ksh run py pyc pyw pl php rb "
    "scf url gadget iso img vhd vhdx appx msix".split()
)
# Office files that carry macros by their very type.
MACRO_EXTENSIONS = frozenset("docm dotm xlsm xltm xlsb xlam pptm potm ppsm ppam sldm".split())
# Names of macro parts and streams (vbaProject.bin in OOXML; Macros/VBA/_VBA_PROJECT in OLE files).
MACRO_PART_NAMES = frozenset({"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"})
ARCHIVE_EXTENSIONS = frozenset("zip docx xlsx pptx odt ods odp jar 7z rar gz tgz bz2 xz tar cab".split())
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_MACRO_STREAM_NAMES = tuple(
    name.encode("utf-16-le") for name in ("_VBA_PROJECT", "VBA", "Macros", "PROJECTwm")
)
# Entries smaller than this are not judged by their ratio (tiny files compress oddly).
RATIO_MIN_BYTES = 1024 * 1024
# How much of a nested archive or an OLE file is read at most to inspect it.
NESTED_READ_LIMIT = 20 * 1024 * 1024


def _refuse(message, code: str, **params) -> None:
    raise ValidationError(message, code=code, params=params or None)


def _entry_is_traversal(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        "\x00" in name
        or path.startswith("/")
        or (len(path) > 1 and path[1] == ":")  # C:/...
        or ".." in path.split("/")
    )


def ole_has_macros(data: bytes) -> bool:
    """True when a legacy Office (OLE compound) file names a VBA/Macros storage: its directory
    entries hold the names in UTF-16LE."""
    return data.startswith(OLE_SIGNATURE) and any(name in data for name in OLE_MACRO_STREAM_NAMES)


def inspect_archive(archive: zipfile.ZipFile, *, extension: str, depth: int) -> None:
    """Refuse an archive (or Office package) that could harm whoever opens it: too many entries, a
    total uncompressed size or a compression ratio of a zip bomb, entries that climb out of the
    folder (``../``, absolute paths), programs and scripts (by name and by content), macros
    (vbaProject.bin, macro-enabled types, legacy Office files with VBA storages), and archives
    nested deeper than allowed (each nested archive is inspected in turn).

    Reads at most `SNIFF_BYTES` of each entry (streamed, never the whole bomb) and at most
    `NESTED_READ_LIMIT` of a nested archive or legacy Office file."""
    infos = archive.infolist()
    if len(infos) > rules.archive_max_entries():
        _refuse(
            _("The archive holds too many files (more than %(max)d) and is refused."),
            "archive_entries",
            max=rules.archive_max_entries(),
        )
    max_total = rules.archive_max_uncompressed_bytes()
    max_ratio = rules.archive_max_ratio()
    bomb = _(
        "The archive unpacks to far more than its own size (%(size)s); it looks like a “zip bomb” and "
        "is refused."
    )
    total = compressed = 0
    for info in infos:
        total += info.file_size
        compressed += info.compress_size
        if total > max_total:
            _refuse(bomb, "zip_bomb", size=filesizeformat(total))
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            _refuse(bomb, "zip_bomb", size=filesizeformat(info.file_size))
    if total >= RATIO_MIN_BYTES and total > max_ratio * max(compressed, 1):
        _refuse(bomb, "zip_bomb", size=filesizeformat(total))
    for info in infos:
        name = info.filename
        shown = name.replace("\x00", "")[:80]
        if _entry_is_traversal(name):
            _refuse(
                _(
                    "The archive contains “%(name)s”, a path that leads outside the archive's folder; "
                    "the file is refused."
                ),
                "archive_path",
                name=shown,
            )
        if info.is_dir():
            continue
        basename = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        entry_extension = os.path.splitext(basename)[1].lstrip(".")
        if basename in MACRO_PART_NAMES or entry_extension in MACRO_EXTENSIONS:
            _refuse(
                _(
                    "The file contains macros (“%(name)s”), which can run programs when it is opened; "
                    "save it without macros (e.g. as .docx or .xlsx) and upload it again."
                ),
                "macro",
                name=shown,
            )
        executable = _(
            "The archive contains “%(name)s”, a program or script; archives with programs are refused."
        )
        if entry_extension in EXECUTABLE_EXTENSIONS:
            _refuse(executable, "executable", name=shown)
        with archive.open(info) as member:
            head = member.read(SNIFF_BYTES)
        if head.startswith(EXECUTABLE_SIGNATURES):
            _refuse(executable, "executable", name=shown)
        if name == "[Content_Types].xml" and (b"vbaProject" in head or b"macroEnabled" in head):
            _refuse(
                _(
                    "The file contains macros (“%(name)s”), which can run programs when it is opened; "
                    "save it without macros (e.g. as .docx or .xlsx) and upload it again."
                ),
                "macro",
                name=shown,
            )
        is_ole = head.startswith(OLE_SIGNATURE)
        is_zip = head.startswith(ZIP_SIGNATURE) or entry_extension in ARCHIVE_EXTENSIONS
        if not (is_ole or is_zip):
            continue
        if is_zip and depth >= rules.archive_max_depth():
            _refuse(
                _(
                    "The archive contains another archive (“%(name)s”) nested too deeply (at most "
                    "%(max)d levels); unpack it and upload the files themselves."
                ),
                "archive_depth",
                name=shown,
                max=rules.archive_max_depth(),
            )
        with archive.open(info) as member:
            data = member.read(NESTED_READ_LIMIT + 1)
        if is_ole:
            if ole_has_macros(data):
                _refuse(
                    _(
                        "The file contains macros (“%(name)s”), which can run programs when it is "
                        "opened; save it without macros (e.g. as .docx or .xlsx) and upload it again."
                    ),
                    "macro",
                    name=shown,
                )
            continue
        if len(data) > NESTED_READ_LIMIT:
            _refuse(bomb, "zip_bomb", size=filesizeformat(len(data)))
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as nested:
                inspect_archive(nested, extension=entry_extension, depth=depth + 1)
        except zipfile.BadZipFile:
            if head.startswith(ZIP_SIGNATURE):
                raise
            # A name like .gz or .7z that is not a zip: judged by its name only.
            _refuse(
                _(
                    "The archive contains another archive (“%(name)s”) that cannot be inspected; "
                    "unpack it and upload the files themselves."
                ),
                "archive_depth",
                name=shown,
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


def uploaded_today(user) -> int:
    """Bytes of the documents `user` uploaded since local midnight (the stored documents' sizes)."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    return (
        Document.objects.filter(uploaded_by=user, uploaded_at__gte=start).aggregate(total=models.Sum("size"))[
            "total"
        ]
        or 0
    )


def check_upload_quota(actor, incoming_bytes: int) -> None:
    """Refuse an upload that would take `actor` over the daily upload quota
    (`core.rules.upload_daily_quota_bytes`; 0 = none). Callers storing several files check the sum
    first. The user's row is locked so that parallel uploads are counted one after the other."""
    quota = rules.upload_daily_quota_bytes()
    if not quota or not getattr(actor, "is_authenticated", False):
        return
    if transaction.get_connection().in_atomic_block:
        get_user_model().objects.select_for_update().filter(pk=actor.pk).exists()
    used = uploaded_today(actor)
    if used + incoming_bytes > quota:
        raise ValidationError(
            _(
                "Your uploads today would exceed the daily limit of %(quota)s (already uploaded: "
                "%(used)s). Try again tomorrow or ask the bureau."
            ),
            code="upload_quota",
            params={"quota": filesizeformat(quota), "used": filesizeformat(used)},
        )


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
    check_upload_quota(actor, checked.size)
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": _("Choose a valid document type.")})
    if visibility not in DocumentVisibility.values:
        raise ValidationError({"visibility": _("Choose a valid visibility.")})
    if owner is None or owner.pk is None:
        raise ValidationError(_("A document must belong to a saved record."))
    document = Document(
        owner=owner,
        document_type=document_type,
        title=normalize_name(title or os.path.splitext(checked.name)[0])[:200],
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
