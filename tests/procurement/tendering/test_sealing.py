"""A sealed bid is unreadable before opening everywhere it could leak: every table (including
auto-created through tables, page revisions, Celery result tables and the audit log, read both
through the ORM and with raw SELECT *), notifications and emails, the logs, and the media folders
on disk. After opening it is readable. Only two code paths unseal bids; a third unseals who acted
in a sealed audit event (tests/procurement/tendering/test_sealed_audit.py), and is pinned too."""

import ast
import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import connection

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.models import Notification
from procurement.models import Bid, BidOpening, Clarification
from procurement.tendering.services.bids import bid_replace
from procurement.tendering.services.opening import tenders_close_and_open_due
from procurement.tendering.services.tenders import tender_amend
from tests.procurement.bidding import (
    MARKER_PRICE,
    MARKER_PRICE_RENDERINGS,
    MARKER_TEXT,
    bidder,
    close_and_open,
    docx_with,
    pdf_with,
    published_tender,
    submit,
)

pytestmark = pytest.mark.django_db

MARKERS = (*MARKER_PRICE_RENDERINGS, MARKER_TEXT)
MARKER_BYTES = [m.encode() for m in MARKERS] + [m.encode("utf-16-le") for m in MARKERS]


def _as_bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", "replace")


def _leaks(blob: bytes) -> list[str]:
    return [m.decode("utf-8", "replace") for m in MARKER_BYTES if m in blob]


def _dump_models() -> dict[str, list[str]]:
    found = {}
    for model in apps.get_models(include_auto_created=True):
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*fields):
            leaks = [m for cell in row for m in _leaks(_as_bytes(cell))]
            if leaks:
                found.setdefault(model._meta.label, []).extend(leaks)
    return found


def _dump_tables() -> dict[str, list[str]]:
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                leaks = [m for cell in row for m in _leaks(_as_bytes(cell))]
                if leaks:
                    found.setdefault(table, []).extend(leaks)
    return found


def _dump_folders() -> dict[str, list[str]]:
    found = {}
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        root = Path(root)
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file():
                leaks = _leaks(path.read_bytes())
                if leaks:
                    found[str(path)] = leaks
    return found


@pytest.fixture
def sealed_bid(django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    tender, officer = published_tender()
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    organization, user = bidder()
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(
            tender, organization, user, price="7654320.00", proposal=f"方案 {MARKER_TEXT}", files=[pdf_with()]
        )
    with django_capture_on_commit_callbacks(execute=True):
        bid = bid_replace(
            actor=user,
            bid=first,
            price=str(MARKER_PRICE),
            proposal=f"替换方案 {MARKER_TEXT}",
            files=[pdf_with(), docx_with()],
        )
    with django_capture_on_commit_callbacks(execute=True):
        tender_amend(actor=officer, tender=tender, description="更正服务地点", affects_bids=False)
    for _n in range(2):  # the method needs two bids
        other, other_user = bidder()
        with django_capture_on_commit_callbacks(execute=True):
            submit(tender, other, other_user, price="500000")
    return tender, bid, user, page


def test_sealed_bid_appears_nowhere_before_opening(sealed_bid, client, caplog):
    _tender, bid, _user, page = sealed_bid
    # the public page and the Celery task ran before the deadline, too
    client.get(page.url)
    tenders_close_and_open_due()
    assert _dump_models() == {}
    assert _dump_tables() == {}
    assert _dump_folders() == {}
    for message in mail.outbox:
        assert _leaks(f"{message.subject}\n{message.body}".encode()) == []
    assert _leaks(caplog.text.encode()) == []
    assert Bid.objects.get(pk=bid.pk).price is None
    # The sealed files are on disk, encrypted.
    stored = [Path(settings.PRIVATE_MEDIA_ROOT) / f.file.name for f in bid.files.all()]
    assert len(stored) == 2 and all(p.exists() and p.stat().st_size > 0 for p in stored)


def test_sealed_bid_is_readable_after_opening(sealed_bid, django_capture_on_commit_callbacks):
    tender, bid, _user, _page = sealed_bid
    with django_capture_on_commit_callbacks(execute=True):
        close_and_open(tender)
    bid.refresh_from_db()
    assert bid.price == MARKER_PRICE and bid.responsive
    prices = [
        row["price"] for lot in BidOpening.objects.get(tender=tender).record["lots"] for row in lot["bids"]
    ]
    assert "7654321.09" in prices
    # the opening made it public; the notifications still carry no price
    for subject, body in Notification.objects.values_list("subject", "body"):
        assert _leaks(f"{subject}{body}".encode()) == []


def _calls_of(name: str) -> set[tuple[str, str]]:
    """(module path, enclosing function) of every call to `name` in the project's source."""
    root = Path(settings.BASE_DIR)
    calls = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "var/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    target = node.func
                    called = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                    if called == name:
                        calls.add((relative, function.name))
    return calls


def test_only_the_opening_and_the_bidders_own_view_unseal():
    assert _calls_of("unseal") == {
        ("procurement/tendering/services/opening.py", "_unseal_for_opening"),
        ("procurement/tendering/services/bids.py", "_open_own"),
        # who acted in a sealed audit event, read after the opening or by that person
        # (tests/procurement/tendering/test_sealed_audit.py)
        ("procurement/tendering/audit_sealing.py", "_unseal_identity"),
    }
    assert {f for _m, f in _calls_of("_unseal_identity")} == {"present"}
    # ...and the wrapped data key is unwrapped only inside `unseal`.
    assert _calls_of("_unwrap") == {("procurement/tendering/sealing.py", "unseal")}
    assert {f for _m, f in _calls_of("_unseal_for_opening")} == {"_open_bids"}
    assert {f for _m, f in _calls_of("_open_own")} == {"bid_read_own", "bid_file_read_own"}


def test_the_dumps_do_find_a_marker_written_in_clear():
    """Control: the same dumps see plaintext in a table, a raw table and a media file."""
    tender, _officer = published_tender()
    _organization, user = bidder()
    Clarification.objects.create(tender=tender, question=f"{MARKER_TEXT} 7,654,321.09", asked_by=user)
    folder = Path(settings.PRIVATE_MEDIA_ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clear.bin").write_bytes(b"xx7654321.09yy")
    assert MARKER_TEXT in _dump_models()["procurement.Clarification"]
    assert "7,654,321.09" in _dump_tables()["procurement_clarification"]
    assert "7654321.09" in next(iter(_dump_folders().values()))
