"""Helpers of the sealed-bid tests: a published tender, eligible bidders, files with a marker."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from procurement.tendering.services.bids import bid_submit
from procurement.tendering.services.opening import tenders_close_and_open_due
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import staff_user
from tests.orgs.factories import GradeFactory, OrganizationFactory, member
from tests.procurement.factories import BudgetLineFactory, make_tender, method, officer_for

MARKER_PRICE = Decimal("7654321.09")
MARKER_PRICE_RENDERINGS = ("7654321.09", "7654321.1", "7,654,321.09", "7654321", "7 654 321", "7654321,09")
MARKER_TEXT = "SEALED-MARKER-b7e1c9d4"


def published_tender(
    *, ceiling=Decimal("9000000.00"), method_code="competitive_consultation", days=12, **kwargs
):
    """A published tender (through the services) whose deadline is `days` away."""
    kwargs.setdefault("method", method(method_code))
    kwargs.setdefault("budget_line", BudgetLineFactory(amount=Decimal("20000000.00")))
    kwargs.setdefault("bid_deadline", timezone.now() + dt.timedelta(days=days))
    tender = make_tender(ceiling=ceiling, **kwargs)
    officer = officer_for(tender.department)
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    tender.refresh_from_db()
    return tender, officer


def bidder(**org_kwargs):
    """An eligible organization (verified, old enough, 4A) and one of its members."""
    organization = OrganizationFactory(**org_kwargs)
    GradeFactory(organization=organization, grade=4)
    return organization, member(organization)


def pdf_with(text: str = MARKER_TEXT, name: str = "proposal.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + text.encode() + b"\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def docx_with(text: str = MARKER_TEXT, name: str = "plan.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document>{text}</w:document>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def submit(tender, organization, user, *, price="450000.00", proposal="服务方案：每周上门三次。", files=()):
    return bid_submit(
        actor=user,
        organization=organization,
        lot=tender.lots.get(),
        price=price,
        proposal=proposal,
        files=list(files),
    )


def close_and_open(tender):
    """Run the scheduler's service just after the deadline."""
    with time_machine.travel(tender.bid_deadline + dt.timedelta(seconds=1), tick=False):
        return tenders_close_and_open_due()
