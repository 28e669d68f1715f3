"""Uploads of zip archives and Office files are inspected (zip bombs, path traversal, programs,
macros, nesting) and refused with a clear message; each user has a daily upload quota."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from core import rules
from core.documents import check_document_file, check_upload_quota, document_upload, ole_has_macros
from core.models import Document, DocumentType
from tests.factories import DepartmentFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512


def make_zip(entries: dict[str, bytes], *, docx: bool = False, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        if docx:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr("word/document.xml", "<document/>")
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(content: bytes, name: str) -> tuple[set[str], str]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        check_document_file(SimpleUploadedFile(name, content))
    return {e.code for e in info.value.error_list}, " ".join(info.value.messages)


def test_archive_rule_defaults_are_pinned():
    assert rules.archive_max_uncompressed_bytes() == 200 * 1024 * 1024
    assert rules.archive_max_ratio() == 100
    assert rules.archive_max_entries() == 2000
    assert rules.archive_max_depth() == 2
    assert rules.upload_daily_quota_bytes() == 200 * 1024 * 1024


def test_clean_archives_and_office_files_pass():
    check_document_file(
        SimpleUploadedFile("材料.zip", make_zip({"说明.pdf": PDF, "附件/表格.txt": b"a,b\n1,2\n"}))
    )
    check_document_file(
        SimpleUploadedFile("方案.docx", make_zip({"word/media/image1.png": b"\x89PNG"}, docx=True))
    )
    inner = make_zip({"a.pdf": PDF})
    check_document_file(SimpleUploadedFile("打包.zip", make_zip({"inner.zip": inner})))


def test_zip_bomb_by_ratio_is_refused():
    bomb = make_zip({"zeros.txt": b"\x00" * (5 * 1024 * 1024)})
    assert len(bomb) < 50_000
    codes, message = refusal(bomb, "bomb.zip")
    assert codes == {"zip_bomb"}
    assert "炸弹" in message or "zip bomb" in message


def test_zip_bomb_by_total_size_is_refused():
    stored = make_zip(
        {f"part{i}.bin.txt": bytes(range(256)) * 1024 for i in range(3)}, compression=zipfile.ZIP_STORED
    )
    with override_settings(ARCHIVE_MAX_UNCOMPRESSED_BYTES=500_000):
        assert refusal(stored, "big.zip")[0] == {"zip_bomb"}
    check_document_file(SimpleUploadedFile("big.zip", stored))


def test_a_bomb_nested_in_a_zip_is_refused():
    inner = make_zip({"zeros.txt": b"\x00" * (5 * 1024 * 1024)})
    outer = make_zip({"inner.zip": inner}, compression=zipfile.ZIP_STORED)
    assert refusal(outer, "outer.zip")[0] == {"zip_bomb"}


@pytest.mark.parametrize(
    "entry", ["../evil.pdf", "a/../../evil.pdf", "/etc/passwd", "C:/Windows/evil.pdf", "..\\evil.pdf"]
)
def test_path_traversal_entries_are_refused(entry):
    codes, message = refusal(make_zip({entry: PDF}), "traversal.zip")
    assert codes == {"archive_path"}
    assert "evil" in message or "passwd" in message


@pytest.mark.parametrize(
    ("entry", "data"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("tool.bat", b"@echo off\n"),
        ("readme.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a program under a document's name
        ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("深/层/payload.js", b"alert(1)"),
    ],
)
def test_programs_inside_an_archive_are_refused(entry, data):
    codes, message = refusal(make_zip({entry: data}), "bundle.zip")
    assert codes == {"executable"}
    assert "程序" in message


def test_docx_with_vba_project_is_refused():
    docx = make_zip({"word/vbaProject.bin": OLE + "_VBA_PROJECT".encode("utf-16-le")}, docx=True)
    codes, message = refusal(docx, "方案.docx")
    assert codes == {"macro"}
    assert "宏" in message


def test_macro_enabled_content_types_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<document/>")
    assert refusal(buffer.getvalue(), "方案.docx")[0] == {"macro"}


@pytest.mark.parametrize("name", ["报表.xlsm", "文档.docm", "演示.pptm"])
def test_macro_enabled_office_files_inside_a_zip_are_refused(name):
    assert refusal(make_zip({name: make_zip({"x.xml": b"<x/>"})}), "bundle.zip")[0] == {"macro"}


def test_legacy_office_files_with_macros_inside_a_zip_are_refused():
    with_macros = OLE + "Macros".encode("utf-16-le") + b"\x00" * 64 + "VBA".encode("utf-16-le")
    assert ole_has_macros(with_macros)
    assert not ole_has_macros(OLE + "WordDocument".encode("utf-16-le"))
    assert refusal(make_zip({"旧文档.doc": with_macros}), "bundle.zip")[0] == {"macro"}
    check_document_file(
        SimpleUploadedFile("bundle.zip", make_zip({"旧文档.doc": OLE + "WordDocument".encode("utf-16-le")}))
    )


def test_archives_nested_too_deep_are_refused():
    level3 = make_zip({"a.pdf": PDF})
    level2 = make_zip({"level3.zip": level3})
    codes, _message = refusal(make_zip({"level2.zip": level2}), "deep.zip")
    assert codes == {"archive_depth"}
    with override_settings(ARCHIVE_MAX_DEPTH=3):
        check_document_file(SimpleUploadedFile("deep.zip", make_zip({"level2.zip": level2})))


def test_too_many_entries_are_refused():
    with override_settings(ARCHIVE_MAX_ENTRIES=5):
        assert refusal(make_zip({f"{i}.txt": b"x" for i in range(6)}), "many.zip")[0] == {"archive_entries"}


# --- quota -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_daily_upload_quota_counts_stored_documents():
    user, owner = UserFactory(), DepartmentFactory()
    with override_settings(UPLOAD_DAILY_QUOTA_BYTES=len(PDF) * 2):
        for i in range(2):
            document_upload(
                actor=user,
                owner=owner,
                file=SimpleUploadedFile(f"{i}.pdf", PDF),
                document_type=DocumentType.OTHER,
            )
        with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
            document_upload(
                actor=user,
                owner=owner,
                file=SimpleUploadedFile("3.pdf", PDF),
                document_type=DocumentType.OTHER,
            )
        assert info.value.code == "upload_quota"
        assert "上限" in " ".join(info.value.messages)
        assert Document.objects.filter(uploaded_by=user).count() == 2
        # another user has a quota of their own
        other = UserFactory()
        document_upload(
            actor=other, owner=owner, file=SimpleUploadedFile("x.pdf", PDF), document_type=DocumentType.OTHER
        )
        check_upload_quota(other, len(PDF))
        with pytest.raises(ValidationError):
            check_upload_quota(other, len(PDF) + 1)
    with override_settings(UPLOAD_DAILY_QUOTA_BYTES=0):
        check_upload_quota(user, 10**12)


@pytest.mark.parametrize("name", ["invoice\u202efdp.exe", "报告\u200b.pdf", "\u2066报告\u2069.pdf"])
def test_file_names_with_hidden_characters_are_refused_and_not_echoed(name):
    codes, message = refusal(PDF, name)
    assert codes == {"filename"}
    assert not set(message) & {"\u202e", "\u200b", "\u2066", "\u2069"}


@pytest.mark.django_db
def test_document_titles_are_normalized_and_refuse_hidden_characters():
    user, owner = UserFactory(), DepartmentFactory()
    document = document_upload(
        actor=user,
        owner=owner,
        file=SimpleUploadedFile("a.pdf", PDF),
        document_type=DocumentType.OTHER,
        title="  年度  报告 ",
    )
    assert document.title == "年度 报告"
    with pytest.raises(ValidationError):
        document_upload(
            actor=user,
            owner=owner,
            file=SimpleUploadedFile("b.pdf", PDF),
            document_type=DocumentType.OTHER,
            title="年度\u202e报告",
        )
    assert Document.objects.count() == 1
