"""Who bid, who fetched the call documents and who asked a question stay out of every staff view of
the audit log until the opening (issue #13, point 2; RULES.md: staff see only a count): the
Wagtail audit viewer (listing, inspect page, CSV and XLSX exports) and the supervision board, read
as a supervisor, a bureau admin and a superuser. The rows are sealed when written (pseudonym, no
actor, no IP, identity encrypted with the tender's sealing key), the chain still verifies, and after
the opening the same pages show who acted — without any row having been changed."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import audit
from accounts.roles import Role
from audit import sealing as audit_sealing
from audit.models import Event
from audit.selectors import verify_chain
from procurement.models import Bid
from procurement.tendering import audit_sealing as tender_sealing
from procurement.tendering.services.bids import bid_replace, bid_withdraw
from procurement.tendering.services.clarifications import clarification_ask, tender_record_document_access
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import GradeFactory, OrganizationFactory, member
from tests.procurement.bidding import close_and_open, published_tender, submit

pytestmark = pytest.mark.django_db

SEALED = set(tender_sealing.SEALED_ACTIONS)


def _bidder(tag: str):
    organization = OrganizationFactory(name=f"秘密投标机构{tag}")
    GradeFactory(organization=organization, grade=4)
    user = member(organization, username=f"secret-bidder-{tag}", display_name=f"投标人{tag}秘")
    return organization, user


@pytest.fixture
def bidding(django_capture_on_commit_callbacks):
    """A published tender: three organizations fetched the documents and bid (one replaced its bid,
    one asked a question); a fourth fetched the documents, bid and withdrew."""
    tender, _officer = published_tender()
    bidders = [_bidder(tag) for tag in ("甲", "乙", "丙", "丁")]
    with django_capture_on_commit_callbacks(execute=True):
        for organization, user in bidders:
            tender_record_document_access(actor=user, tender=tender)
            bid = submit(tender, organization, user)
            if organization is bidders[0][0]:
                bid_replace(actor=user, bid=bid, price="440000.00", proposal="新方案", files=[])
            if organization is bidders[3][0]:
                bid_withdraw(actor=user, bid=bid)
        clarification_ask(
            actor=bidders[1][1], tender=tender, question="服务地点是否包含郊区？", organization=bidders[1][0]
        )
    return tender, bidders


def _secrets(bidders) -> list[str]:
    found = []
    for organization, user in bidders:
        found += [organization.name, organization.uscc, user.username, str(user)]
    return found


def _readers():
    superuser = UserFactory(is_superuser=True, is_staff=True)
    return [staff_user(Role.SUPERVISOR), staff_user(Role.BUREAU_ADMIN), superuser]


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if cell is None else str(cell) for cell in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _pages(client: Client, tender) -> dict[str, str]:
    """Every staff page that shows audit events, as text (the exports included)."""
    index = reverse("audit_event:index")
    pages = {
        "listing": client.get(index),
        "listing of bids": client.get(index, {"action": "bid.submit"}),
        "results": client.get(reverse("audit_event:index_results")),
        "csv": client.get(index, {"export": "csv"}),
        "xlsx": client.get(index, {"export": "xlsx"}),
        "board": client.get(reverse("procurement:board")),
        "tender light": client.get(reverse("procurement:light_tender", args=[tender.pk])),
    }
    # the tender's own staff pages, for whoever of the readers may open them
    for name, url in (
        ("staff bids", reverse("procurement:tender_bids_staff", args=[tender.pk])),
        ("tender manage", reverse("procurement_tender_manage", args=[tender.pk])),
    ):
        response = client.get(url)
        if response.status_code == 200:
            pages[name] = response
        else:
            assert response.status_code in (302, 403, 404), name
    for event in Event.objects.filter(action__in=SEALED):
        pages[f"inspect {event.action} #{event.seq}"] = client.get(
            reverse("audit_event:inspect", args=[event.pk])
        )
    texts = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        if name == "csv":
            texts[name] = b"".join(response.streaming_content).decode("utf-8")
        elif name == "xlsx":
            texts[name] = _xlsx_text(b"".join(response.streaming_content))
        else:
            texts[name] = response.content.decode()
    return texts


def _staff_bid_counts(client, tender):
    return client.get(reverse("procurement:tender_bids_staff", args=[tender.pk])).context["summary"].counts


def test_the_rows_are_sealed_when_written(bidding):
    tender, bidders = bidding
    sealed = list(Event.objects.filter(action__in=SEALED).order_by("seq"))
    # 4 downloads, 4 submissions, 1 replacement, 1 withdrawal, 1 question
    assert sorted(e.action for e in sealed) == sorted(
        ["tender.document_access"] * 4
        + ["bid.submit"] * 4
        + ["bid.replace", "bid.withdraw", "clarification.ask"]
    )
    organization_ids = {organization.pk for organization, _user in bidders}
    for event in sealed:
        assert event.sealed_scope == f"procurement.tender:{tender.pk}"
        assert event.actor_id is None and event.ip_address is None and event.request_id == ""
        assert event.actor_label.startswith(audit_sealing.PSEUDONYM_PREFIX)
        assert event.sealed_identity and event.sealed_identity.startswith("v1:")
        assert event.after.get("organization") not in organization_ids
        assert "receipt" not in event.after and "receipt" not in event.before
    # one pseudonym per person within the tender: the download and the bid of one user agree
    by_user = {}
    for event in sealed:
        by_user.setdefault(event.actor_label, set()).add(event.action)
    assert len(by_user) == 4
    assert {"tender.document_access", "bid.submit", "bid.replace"} <= next(
        actions for actions in by_user.values() if "bid.replace" in actions
    )
    # nothing of who acted is in the table itself, read raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_event")
        dump = "\n".join(str(cell) for row in cursor.fetchall() for cell in row)
    for secret in _secrets(bidders):
        assert secret not in dump, secret
    assert verify_chain(require_anchor=False).ok


def test_staff_see_only_codes_and_counts_before_the_opening(bidding):
    tender, bidders = bidding
    secrets = _secrets(bidders)
    for reader in _readers():
        client = Client()
        client.force_login(reader)
        texts = _pages(client, tender)
        for name, text in texts.items():
            leaked = [secret for secret in secrets if secret in text]
            assert leaked == [], f"{reader}: {name} shows {leaked}"
        listing = client.get(reverse("audit_event:index"))
        assert listing.context["sealed_count"] == 11
        assert "11" in listing.content.decode()
        # the exports have a row for every sealed event, each marked sealed, with its code
        assert sum("开标前保密" in row for row in texts["csv"].splitlines()[1:]) == 11
        assert sum("开标前保密" in row for row in texts["xlsx"].splitlines()[1:]) == 11
        light = client.get(reverse("procurement:light_tender", args=[tender.pk]))
        assert light.context["sealed_count"] == 4  # the downloads, the tender's own events
        if "staff bids" in texts:  # the number of live bids, and nothing else
            assert [count for _lot, count in _staff_bid_counts(client, tender)] == [3]
    assert verify_chain(require_anchor=False).ok


def test_after_the_opening_the_same_pages_show_who_acted(bidding, django_capture_on_commit_callbacks):
    tender, bidders = bidding
    macs = dict(Event.objects.values_list("seq", "mac"))
    with django_capture_on_commit_callbacks(execute=True):
        close_and_open(tender)
    # nothing was rewritten: the reveal is a reading
    assert {seq: mac for seq, mac in Event.objects.values_list("seq", "mac") if seq in macs} == macs
    assert verify_chain(require_anchor=False).ok
    for reader in _readers():
        client = Client()
        client.force_login(reader)
        texts = _pages(client, tender)
        for _organization, user in bidders:
            for name in ("listing", "csv", "xlsx"):
                assert str(user) in texts[name], (reader, name, user)
        assert client.get(reverse("audit_event:index")).context["sealed_count"] == 0
        submitted = Event.objects.filter(action="bid.submit").order_by("seq")
        for event, (organization, user) in zip(submitted, bidders, strict=True):
            page = client.get(reverse("audit_event:inspect", args=[event.pk])).content.decode()
            assert str(user) in page
            assert f"&quot;organization&quot;: {organization.pk}" in page
            assert Bid.objects.get(pk=event.object_id).receipt_hash in page


def test_the_actor_and_their_organization_see_their_own_sealed_events(bidding):
    _tender, bidders = bidding
    organization, user = bidders[1]
    sealed = Event.objects.filter(action__in=SEALED).order_by("seq")
    events = audit_sealing.present(sealed, user)
    own = [e for e in events if not e.shown.sealed]
    assert sorted(e.action for e in own) == ["bid.submit", "clarification.ask", "tender.document_access"]
    assert all(e.shown.actor == str(user) and e.shown.actor_id == user.pk for e in own)
    assert all(
        e.shown.after.get("organization") == organization.pk
        for e in own
        if e.action != "tender.document_access"
    )
    assert all(e.shown.sealed for e in events if e not in own)
    # a colleague reads the organization's events, not the other member's own download
    colleague = member(organization, username="colleague-乙")
    seen = [e for e in audit_sealing.present(sealed, colleague) if not e.shown.sealed]
    assert sorted(e.action for e in seen) == ["bid.submit", "clarification.ask"]
    # a member of another organization reads nothing of it
    _other, stranger = _bidder("戊")
    assert all(e.shown.sealed for e in audit_sealing.present(sealed, stranger))


def test_an_event_forgotten_by_a_page_is_masked_by_default(bidding):
    """`Event.shown` without `present()`: nobody in particular, sealed rows masked."""
    _tender, bidders = bidding
    event = Event.objects.filter(action="bid.submit").first()
    assert event.shown.sealed
    assert event.get_actor_label_display() not in {str(user) for _o, user in bidders}


def test_rows_written_in_clear_before_sealing_are_masked_until_the_opening(
    bidding, django_capture_on_commit_callbacks
):
    tender, bidders = bidding
    organization, user = bidders[2]
    bid = Bid.objects.get(organization=organization, status="submitted")
    audit_sealing.unregister_sealer("bid.reconfirm")
    try:
        legacy = audit.record(
            actor=user, action="bid.reconfirm", target=bid, after={"organization": organization.pk}
        )
    finally:
        tender_sealing.register()
    assert legacy.actor_id == user.pk and not legacy.sealed_scope  # the old way: in clear
    supervisor = staff_user(Role.SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    for page in (
        client.get(reverse("audit_event:index")),
        client.get(reverse("audit_event:inspect", args=[legacy.pk])),
        client.get(reverse("audit_event:index"), {"actor": user.username}),
    ):
        assert str(user) not in page.content.decode()
    csv = b"".join(client.get(reverse("audit_event:index"), {"export": "csv"}).streaming_content).decode()
    assert str(user) not in csv
    with django_capture_on_commit_callbacks(execute=True):
        close_and_open(tender)
    [shown] = audit_sealing.present([Event.objects.get(pk=legacy.pk)], supervisor)
    assert shown.shown.revealed and shown.shown.actor == str(user)
    assert str(user) in client.get(reverse("audit_event:inspect", args=[legacy.pk])).content.decode()


def test_other_events_are_not_touched_and_the_listing_stays_one_query_set(bidding):
    _tender, _bidders = bidding
    plain = Event.objects.filter(action="tender.publish").first()
    assert plain is not None and not plain.sealed_scope and plain.actor_id is not None
    [shown] = audit_sealing.present([plain], None)
    assert not shown.shown.sealed and shown.shown.actor == str(plain.actor)
    assert json.dumps(shown.shown.after) == json.dumps(plain.after)


def test_the_listing_and_the_light_page_do_not_query_per_sealed_row(bidding):
    tender, _bidders = bidding
    client = Client()
    client.force_login(staff_user(Role.SUPERVISOR))
    pages = (reverse("audit_event:index"), reverse("procurement:light_tender", args=[tender.pk]))
    for url in pages:
        client.get(url)  # warm caches

    def queries():
        counts = []
        for url in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    few = queries()
    for tag in ("戊", "己", "庚", "辛", "壬"):
        _organization, user = _bidder(tag)
        tender_record_document_access(actor=user, tender=tender)
    assert client.get(pages[0]).context["sealed_count"] == 16
    client.get(pages[1])  # the new rows moved the reference generation: the calendar is read again once
    assert queries() == few
