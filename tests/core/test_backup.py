"""Backup and restore round trip (SQLite here, PostgreSQL in CI): after a restore every table has the
backup's row count, the audit chain verifies (the restore point supersedes the anchors of rows the
restore took back), sealed bids are still sealed on disk and open with the master key, and documents
read back as they were."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

import audit
from audit import selectors, services
from core.management import backups
from procurement.models import Bid
from tests.orgs.factories import OrganizationFactory
from tests.procurement.bidding import (
    MARKER_PRICE,
    MARKER_TEXT,
    bidder,
    close_and_open,
    pdf_with,
    published_tender,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def places(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.log"
    settings.AUDIT_ANCHOR_MIRRORS = []
    settings.BACKUP_DIR = tmp_path / "backups"
    return tmp_path


def _private_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_backup_then_restore_gives_back_the_data_the_files_and_a_verifying_chain(places, settings):
    tender, _officer = published_tender()
    organization, user = bidder()
    submit(tender, organization, user, price=str(MARKER_PRICE), files=[pdf_with()])
    public_name = default_storage.save("notices/公告.txt", ContentFile("中标公告正文".encode()))
    services.write_anchor()
    counts = backups.table_counts()
    assert MARKER_TEXT.encode() not in _private_bytes(settings.PRIVATE_MEDIA_ROOT)

    call_command("backup")
    [archive] = list(settings.BACKUP_DIR.glob("backup-*.tar.gz"))
    manifest = backups.read_manifest(archive)
    assert manifest["counts"] == counts and manifest["files"]["private"] >= 1
    assert "BID_MASTER_KEY" in manifest["keys_not_included"]

    # Life goes on after the backup, then the server is lost with its files.
    OrganizationFactory()
    audit.record(actor=None, action="test.after_backup")
    services.write_anchor()
    default_storage.delete(public_name)
    for path in settings.PRIVATE_MEDIA_ROOT.rglob("*"):
        if path.is_file():
            path.unlink()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    call_command("restore", str(archive), "--yes")

    assert backups.table_counts() == counts
    assert default_storage.open(public_name).read().decode() == "中标公告正文"
    result = selectors.verify_chain()
    assert result.ok, result.problem
    assert result.last_seq == manifest["restore_point"]["seq"]
    assert MARKER_TEXT.encode() not in _private_bytes(settings.PRIVATE_MEDIA_ROOT)
    bid = Bid.objects.get(tender=tender)
    assert bid.price is None  # still sealed
    close_and_open(tender)
    bid.refresh_from_db()
    assert bid.price == MARKER_PRICE
    audit.record(actor=None, action="test.after_restore")
    services.write_anchor()
    assert selectors.verify_chain().ok


def test_restore_refuses_an_archive_that_is_not_there(places):
    with pytest.raises(CommandError, match="no archive"):
        call_command("restore", str(places / "missing.tar.gz"), "--yes")
