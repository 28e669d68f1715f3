"""The officers' tender screens in the Wagtail admin: lots and scoring sheets (draft only, then by
amendment), call documents, amendment, suspension and resumption, cancellation with a confirmation
step, challenges; department officers act, approvers and supervisors read, others get a 404."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.models import DocumentType, DocumentVisibility
from procurement.models import ChallengeStatus, TenderAmendment, TenderStatus
from procurement.tendering.services.clarifications import challenge_file
from procurement.tendering.services.documents import tender_document_upload, tender_documents
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import TEST_PASSWORD, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.factories import make_tender, officer_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def publish(tender, officer):
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    tender.refresh_from_db()
    return tender


def sheet_post(rows, prefix="criteria", existing=4, **extra):
    """The editor's POST as a browser sends it: one row per existing criterion (replaced by `rows`,
    the rest ticked for removal), then `rows` beyond them."""
    total = max(len(rows), existing)
    data = {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(existing)}
    data |= {f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    padded = list(rows) + [("旧", "subjective", "1")] * (total - len(rows))
    for i, (name, kind, points) in enumerate(padded):
        data |= {f"{prefix}-{i}-name": name, f"{prefix}-{i}-kind": kind, f"{prefix}-{i}-max_points": points}
        if i >= len(rows):
            data[f"{prefix}-{i}-DELETE"] = "on"
    return data | extra


GOOD_ROWS = [("价格", "price", "30"), ("服务方案", "subjective", "50"), ("同类业绩", "objective", "20")]


def url(name, *args):
    return reverse(name, args=args)


def test_manage_page_hides_a_single_lot_and_shows_its_sheet(client, tender, officer):
    body = login(client, officer).get(url("procurement_tender_manage", tender.pk)).content.decode()
    assert "服务方案" in body and "分包1" not in body and "Lot 1" not in body
    assert url("procurement_tender_lots", tender.pk) in body


def test_officer_splits_a_draft_into_lots_and_both_are_shown(client, tender, officer):
    lot = tender.lots.get()
    data = {
        "lots-TOTAL_FORMS": "2", "lots-INITIAL_FORMS": "1", "lots-MIN_NUM_FORMS": "0", "lots-MAX_NUM_FORMS": "1000",
        "lots-0-id": str(lot.pk), "lots-0-title": "助餐服务", "lots-0-description": "", "lots-0-ceiling": "300000",
        "lots-1-id": "", "lots-1-title": "助浴服务", "lots-1-description": "", "lots-1-ceiling": "200000",
    }  # fmt: skip
    response = login(client, officer).post(url("procurement_tender_lots", tender.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(tender.lots.order_by("number").values_list("title", flat=True)) == ["助餐服务", "助浴服务"]
    body = client.get(url("procurement_tender_manage", tender.pk)).content.decode()
    assert "助餐服务" in body and "助浴服务" in body


def test_the_last_lot_cannot_be_removed(client, tender, officer):
    lot = tender.lots.get()
    data = {
        "lots-TOTAL_FORMS": "1", "lots-INITIAL_FORMS": "1", "lots-MIN_NUM_FORMS": "0", "lots-MAX_NUM_FORMS": "1000",
        "lots-0-id": str(lot.pk), "lots-0-title": "", "lots-0-description": "", "lots-0-ceiling": "500000",
        "lots-0-DELETE": "on",
    }  # fmt: skip
    response = login(client, officer).post(url("procurement_tender_lots", tender.pk), data)
    assert response.status_code == 200
    assert "至少" in response.content.decode()
    assert tender.lots.count() == 1


def test_officer_replaces_a_draft_sheet_through_the_service(client, tender, officer):
    lot = tender.lots.get()
    response = login(client, officer).post(
        url("procurement_lot_sheet", tender.pk, lot.pk), sheet_post(GOOD_ROWS)
    )
    assert response.status_code == 302
    assert [(c.name, c.is_price, c.is_objective) for c in lot.criteria.order_by("sort_order")] == [
        ("价格", True, True),
        ("服务方案", False, False),
        ("同类业绩", False, True),
    ]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([("价格", "price", "30"), ("服务方案", "subjective", "60")], "100"),
        ([("服务方案", "subjective", "100")], "价格"),
        (
            [
                ("价格", "price", "30"),
                ("服务方案", "subjective", "60"),
                ("社会组织等级评估结果", "objective", "10"),
            ],
            "资格",
        ),
    ],
)
def test_invalid_sheets_are_refused_in_chinese_and_nothing_changes(client, tender, officer, rows, fragment):
    lot = tender.lots.get()
    before = list(lot.criteria.values_list("name", flat=True))
    response = login(client, officer).post(url("procurement_lot_sheet", tender.pk, lot.pk), sheet_post(rows))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert list(lot.criteria.values_list("name", flat=True)) == before


def test_after_publication_the_sheet_changes_only_by_an_amendment(client, tender, officer):
    publish(tender, officer)
    lot = tender.lots.get()
    extra = {"amend-description": "调整评分标准。", "amend-affects_bids": "on"}
    response = login(client, officer).post(
        url("procurement_lot_sheet", tender.pk, lot.pk), sheet_post(GOOD_ROWS, **extra)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    amendment = TenderAmendment.objects.get(tender=tender)
    assert "lot1.criteria" in amendment.changes
    assert set(lot.criteria.values_list("name", flat=True)) == {"价格", "服务方案", "同类业绩"}


def test_lots_cannot_be_edited_after_publication(client, tender, officer):
    publish(tender, officer)
    response = login(client, officer).get(url("procurement_tender_lots", tender.pk))
    assert response.status_code == 302


def test_officer_uploads_a_call_document_private_until_publication(client, tender, officer):
    data = {
        "document_type": DocumentType.BIDDING_DOCUMENTS,
        "title": "招标文件",
        "file": SimpleUploadedFile("招标文件.pdf", PDF),
    }
    response = login(client, officer).post(url("procurement_tender_document_add", tender.pk), data)
    assert response.status_code == 302
    document = tender_documents(tender).get(title="招标文件")
    assert document.visibility == DocumentVisibility.OWNER_AND_STAFF
    publish(tender, officer)
    document.refresh_from_db()
    assert document.visibility == DocumentVisibility.PUBLIC


def test_a_fake_pdf_is_refused_with_a_message(client, tender, officer):
    before = tender_documents(tender).count()
    data = {
        "document_type": DocumentType.BIDDING_DOCUMENTS,
        "file": SimpleUploadedFile("招标文件.pdf", b"MZ\x90\x00"),
    }
    response = login(client, officer).post(url("procurement_tender_document_add", tender.pk), data)
    assert response.status_code == 200 and tender_documents(tender).count() == before


def test_amend_page_says_the_deadline_will_move_and_the_amendment_moves_it(client, tender, officer):
    publish(tender, officer)
    tender.bid_deadline = timezone.now() + dt.timedelta(days=3)
    tender.save(update_fields=["bid_deadline"])
    login(client, officer)
    body = client.get(url("procurement_tender_amend", tender.pk)).content.decode()
    assert 'data-will-move="yes"' in body
    data = {
        "description": "更正服务地点。", "affects_bids": "on", "title": tender.title,
        "service_description": tender.service_description, "location": "秦淮区",
        "min_years_registered": "1", "contact_name": tender.contact_name, "contact_phone": tender.contact_phone,
    }  # fmt: skip
    response = client.post(url("procurement_tender_amend", tender.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    amendment = TenderAmendment.objects.get(tender=tender)
    assert amendment.changes == {
        "location": ["玄武区", "秦淮区"],
        "bid_deadline": amendment.changes["bid_deadline"],
    }
    assert amendment.deadline_moved_by_rule


def test_amend_page_says_a_distant_deadline_will_not_move(client, tender, officer):
    publish(tender, officer)
    body = login(client, officer).get(url("procurement_tender_amend", tender.pk)).content.decode()
    assert 'data-will-move="no"' in body


def test_suspend_then_resume_shows_the_new_deadline_rule(client, tender, officer):
    publish(tender, officer)
    login(client, officer)
    response = client.post(url("procurement_tender_suspend", tender.pk), {"reason": "处理质疑"})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUSPENDED
    body = client.get(url("procurement_tender_resume", tender.pk)).content.decode()
    assert "default-deadline" in body
    too_early = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        url("procurement_tender_resume", tender.pk), {"bid_deadline": too_early.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 200
    response = client.post(url("procurement_tender_resume", tender.pk), {})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED


def test_cancel_needs_a_reason_and_a_confirmation(client, tender, officer):
    login(client, officer)
    response = client.post(url("procurement_tender_cancel", tender.pk), {"reason": ""})
    assert response.status_code == 200
    response = client.post(url("procurement_tender_cancel", tender.pk), {"reason": "需求变更"})
    assert response.status_code == 200 and 'name="confirmed"' in response.content.decode()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    response = client.post(
        url("procurement_tender_cancel", tender.pk), {"reason": "需求变更", "confirmed": "yes"}
    )
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED


SCREENS = [
    ("procurement_tender_manage", False),
    ("procurement_tender_lots", True),
    ("procurement_tender_amend", True),
    ("procurement_tender_suspend", True),
    ("procurement_tender_resume", True),
    ("procurement_tender_cancel", True),
]


@pytest.mark.parametrize(("name", "acting"), SCREENS)
def test_another_departments_officer_gets_a_404(client, tender, name, acting):
    other = officer_for(make_tender().department)
    assert login(client, other).get(url(name, tender.pk)).status_code == 404
    assert client.post(url(name, tender.pk), {"reason": "x"}).status_code == 404
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


@pytest.mark.parametrize("role", [Role.BUREAU_APPROVER, Role.SUPERVISOR])
@pytest.mark.parametrize(("name", "acting"), SCREENS)
def test_approvers_and_supervisors_only_read(client, tender, role, name, acting):
    # Wagtail turns a refusal (PermissionDenied) into a redirect to the dashboard with a message.
    refused = reverse("wagtailadmin_home")
    login(client, staff_user(role))
    response = client.get(url(name, tender.pk))
    if acting:
        assert response.status_code == 302 and response.url == refused
    else:
        assert response.status_code == 200
        assert url("procurement_tender_cancel", tender.pk) not in response.content.decode()
    lot = tender.lots.get()
    response = client.post(url("procurement_lot_sheet", tender.pk, lot.pk), sheet_post(GOOD_ROWS))
    assert response.status_code == 302 and response.url == refused
    assert not lot.criteria.filter(name="同类业绩").exists()


def _challenge(tender, organization=None):
    organization = organization or OrganizationFactory()
    return challenge_file(actor=member(organization), tender=tender, text="评分标准有倾向性。")


def test_officer_answers_a_challenge_and_the_filer_sees_the_answer(client, tender, officer):
    publish(tender, officer)
    challenge = _challenge(tender)
    login(client, officer)
    body = client.get(url("procurement_challenge_detail", challenge.pk)).content.decode()
    assert "评分标准有倾向性" in body
    response = client.post(url("procurement_challenge_detail", challenge.pk), {"answer": "评分标准已复核。"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.ANSWERED


def test_challenges_of_other_departments_are_hidden_from_officers(client, officer, tender):
    publish(tender, officer)
    foreign = make_tender()
    publish(foreign, officer_for(foreign.department))
    mine, theirs = _challenge(tender), _challenge(foreign)
    login(client, officer)
    body = client.get(url("procurement_challenge_index")).content.decode()
    assert url("procurement_challenge_detail", mine.pk) in body
    assert url("procurement_challenge_detail", theirs.pk) not in body
    assert client.get(url("procurement_challenge_detail", theirs.pk)).status_code == 404
    assert client.post(url("procurement_challenge_detail", theirs.pk), {"answer": "x"}).status_code == 404


def test_challenge_index_shows_an_empty_state(client, officer):
    body = login(client, officer).get(url("procurement_challenge_index")).content.decode()
    assert "没有质疑" in body or "No challenges" in body


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_challenge_index_query_count_is_independent_of_rows(client, tender, officer):
    publish(tender, officer)
    _challenge(tender)
    login(client, officer)
    path = url("procurement_challenge_index")
    _count(client, path)
    small = _count(client, path)
    for _ in range(5):
        _challenge(tender)
    assert _count(client, path) == small


def test_manage_page_query_count_is_independent_of_rows(client, tender, officer):
    publish(tender, officer)
    _challenge(tender)
    login(client, officer)
    path = url("procurement_tender_manage", tender.pk)
    _count(client, path)
    small = _count(client, path)
    for _ in range(4):
        _challenge(tender)
        tender_document_upload(
            actor=officer,
            tender=tender,
            file=SimpleUploadedFile("澄清.pdf", PDF),
            document_type=DocumentType.CLARIFICATIONS,
        )
    _count(
        client, path
    )  # the new rows moved the reference generation: what the process remembered is rebuilt once
    assert _count(client, path) == small


def test_tender_listing_links_to_the_manage_page(client, tender, officer):
    body = login(client, officer).get(reverse("procurement_tender:index")).content.decode()
    assert url("procurement_tender_manage", tender.pk) in body


def test_manage_page_shows_the_tender_light_with_its_reason(client, tender, officer):
    publish(tender, officer)
    body = login(client, officer).get(url("procurement_tender_manage", tender.pk)).content.decode()
    assert "data-light" in body and "lamp__label" in body and "lamp-reason" in body
