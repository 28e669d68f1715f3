"""Factories for purchase of services (plans, lines, tenders with a valid sheet)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from core.models import DocumentType, ServiceCategory
from procurement.models import BudgetLine, ProcurementMethod, PurchasingPlan, Tender
from procurement.planning.services import method_ensure_defaults
from procurement.tendering.services.documents import tender_document_upload
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.tenders import tender_create
from tests.factories import DepartmentFactory, staff_user


def method(code: str = "open_tender") -> ProcurementMethod:
    method_ensure_defaults()
    return ProcurementMethod.objects.get(code=code)


def top_category() -> ServiceCategory:
    return ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order").first()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchasingPlan

    department = factory.SubFactory(DepartmentFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.LazyAttribute(lambda o: f"{o.department.name}{o.year}年度政府购买服务计划")


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"社区养老服务项目{n}")
    category = factory.LazyFunction(top_category)
    amount = Decimal("1000000.00")
    # Public long enough before any call by default.
    intention_published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=45))


class TenderFactory(factory.django.DjangoModelFactory):
    """A draft tender (no lot: use `make_tender` for a complete, publishable one)."""

    class Meta:
        model = Tender

    reference = factory.Sequence(lambda n: f"T-{n:05d}")
    title = factory.Sequence(lambda n: f"居家养老上门服务采购项目{n}")
    budget_line = factory.SubFactory(BudgetLineFactory)
    department = factory.LazyAttribute(lambda o: o.budget_line.plan.department)
    method = factory.LazyFunction(method)
    ceiling = Decimal("500000.00")
    service_description = "为辖区内失能老人提供上门助餐、助洁、助浴服务。"
    location = "玄武区"
    contact_name = "李老师"
    contact_phone = "025-12345678"
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=25))


DEFAULT_SHEET = [
    {"name": "价格", "max_points": "30", "is_price": True, "is_objective": True},
    {"name": "服务方案", "max_points": "40"},
    {"name": "项目团队与专业人员", "max_points": "20"},
    {"name": "同类项目业绩", "max_points": "10", "is_objective": True},
]


def officer_for(department, **kwargs):
    return staff_user(Role.PROCUREMENT_OFFICER, department=department, **kwargs)


BIDDING_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_tender(*, officer=None, sheet=None, bidding_documents=True, **kwargs) -> Tender:
    """A complete draft tender created through the services (one lot with a valid sheet and, unless
    `bidding_documents=False`, its bidding documents, without which it cannot be submitted)."""
    kwargs.setdefault("budget_line", BudgetLineFactory())
    instance = TenderFactory.build(**kwargs)
    officer = officer or officer_for(instance.department)
    tender = tender_create(actor=officer, instance=instance)
    scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=sheet or DEFAULT_SHEET)
    if bidding_documents:
        tender_document_upload(
            actor=officer,
            tender=tender,
            file=SimpleUploadedFile("采购文件.pdf", BIDDING_PDF, content_type="application/pdf"),
            document_type=DocumentType.BIDDING_DOCUMENTS,
        )
    tender.refresh_from_db()
    return tender
