import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core import documents
from core.documents import check_document_file, document_upload, register_document_permission
from core.forms import DocumentUploadForm
from core.models import Document, DocumentType, DocumentVisibility
from tests.factories import DepartmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def office_zip(main_part: str | None = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        if main_part:
            archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


def upload(actor, owner, content: bytes, name: str, **kwargs):
    kwargs.setdefault("document_type", DocumentType.QUALIFICATION)
    kwargs.setdefault("title", "资质证明")
    kwargs.setdefault("visibility", DocumentVisibility.OWNER_AND_STAFF)
    return document_upload(actor=actor, owner=owner, file=SimpleUploadedFile(name, content), **kwargs)


@pytest.fixture
def uploader():
    return UserFactory()


@pytest.fixture
def owner():
    return DepartmentFactory()


@pytest.fixture
def clean_rules():
    yield
    documents._RULES.pop("core.department", None)


def error_codes(exc_info) -> set[str]:
    return {error.code for error in exc_info.value.error_list}


# --- validation ------------------------------------------------------------------------------------


def test_disguised_executable_is_refused(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, ELF, "report.pdf")
    assert error_codes(exc_info) == {"executable"}
    assert Document.objects.count() == 0


def test_content_that_does_not_match_the_extension_is_refused(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, PNG, "report.pdf")
    assert error_codes(exc_info) == {"content_type"}


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\evil.pdf", "a/b.pdf", ".hidden.pdf", "bad\x00.pdf", "x..pdf"]
)
def test_path_traversal_and_hidden_names_are_refused(name, uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        document_upload(
            actor=uploader,
            owner=owner,
            file=File(io.BytesIO(PDF), name=name),
            document_type=DocumentType.QUALIFICATION,
            title="t",
            visibility=DocumentVisibility.OWNER_AND_STAFF,
        )
    assert error_codes(exc_info) == {"filename"}


def test_refusal_messages_are_in_chinese(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, ELF, "report.pdf")
    assert re.search(r"[\u4e00-\u9fff]", exc_info.value.messages[0])


def test_extension_outside_the_allow_list_is_refused(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, b"MZ\x90\x00" + b"\x00" * 60, "setup.exe")
    assert error_codes(exc_info) == {"extension"}


def test_oversized_file_is_refused(settings, uploader, owner):
    settings.DOCUMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, PDF + b"0" * 200, "big.pdf")
    assert error_codes(exc_info) == {"size"}


def test_empty_file_is_refused(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        check_document_file(ContentFile(b"", name="empty.pdf"))
    assert error_codes(exc_info) == {"empty"}


def test_real_office_documents_are_accepted(uploader, owner):
    docx = upload(uploader, owner, office_zip("word/document.xml"), "方案.docx")
    xlsx = upload(uploader, owner, office_zip("xl/workbook.xml"), "报价.xlsx")
    assert docx.content_type.endswith("wordprocessingml.document")
    assert xlsx.content_type.endswith("spreadsheetml.sheet")


def test_a_plain_zip_renamed_to_docx_is_refused(uploader, owner):
    with pytest.raises(ValidationError) as exc_info:
        upload(uploader, owner, office_zip(None), "fake.docx")
    assert error_codes(exc_info) == {"content_type"}


def test_images_and_zip_are_accepted(uploader, owner):
    assert upload(uploader, owner, PNG, "photo.png").content_type == "image/png"
    assert (
        upload(uploader, owner, b"\xff\xd8\xff\xe0" + b"\x00" * 40, "photo.JPG").content_type == "image/jpeg"
    )
    assert upload(uploader, owner, office_zip(None), "bundle.zip").content_type == "application/zip"


def test_upload_form_field_refuses_a_disguised_executable():
    form = DocumentUploadForm(
        data={"title": "x", "document_type": DocumentType.OTHER, "visibility": DocumentVisibility.RESTRICTED},
        files={"file": SimpleUploadedFile("invoice.pdf", ELF)},
    )
    assert not form.is_valid()
    assert "file" in form.errors


# --- storage -----------------------------------------------------------------------------------------


def test_file_is_stored_outside_media_root_under_a_generated_name(settings, uploader, owner):
    document = upload(uploader, owner, PDF, "营业执照.pdf")
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.pdf", document.file.name)
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert path.read_bytes() == PDF
    assert document.original_filename == "营业执照.pdf"
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.size == len(PDF)
    with pytest.raises(ValueError):
        _ = document.file.url


def test_upload_is_audited(uploader, owner):
    document = upload(uploader, owner, PDF, "a.pdf")
    event = Event.objects.get(action="document.upload")
    assert event.object_id == str(document.pk)
    assert event.after["sha256"] == document.sha256


# --- serving ----------------------------------------------------------------------------------------


def download(client, document):
    return client.get(reverse("core:document_download", args=[document.public_id]))


def test_document_is_refused_to_a_user_without_permission(client, uploader, owner):
    document = upload(uploader, owner, PDF, "a.pdf")
    client.force_login(UserFactory())
    assert download(client, document).status_code == 404
    client.logout()
    assert download(client, document).status_code == 404


def test_document_is_served_to_its_uploader_and_to_bureau_staff(client, uploader, owner):
    document = upload(uploader, owner, PDF, "资质证明.pdf")
    for user in (uploader, staff_user(Role.REGISTRY_ADMIN)):
        client.force_login(user)
        response = download(client, document)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert "filename*=utf-8''%E8%B5%84%E8%B4%A8" in disposition


def test_public_document_is_served_to_anyone(client, uploader, owner):
    document = upload(uploader, owner, PDF, "notice.pdf", visibility=DocumentVisibility.PUBLIC)
    assert download(client, document).status_code == 200


def test_registered_rule_decides_even_for_superusers(client, uploader, owner, clean_rules):
    allowed = UserFactory()
    register_document_permission("core.Department", lambda user, document, own: user.pk == allowed.pk)
    document = upload(uploader, owner, PDF, "a.pdf")

    client.force_login(allowed)
    assert download(client, document).status_code == 200
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert download(client, document).status_code == 404
    client.force_login(uploader)
    assert download(client, document).status_code == 404


def test_unknown_document_id_is_404(client, uploader):
    client.force_login(uploader)
    response = client.get(reverse("core:document_download", args=["00000000-0000-4000-8000-000000000000"]))
    assert response.status_code == 404
