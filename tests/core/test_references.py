"""Reference rows attached from the process's copy instead of joined (issue 17; core/references.py),
and the district filter by the district's purchasing units (core/filters.py, `DistrictFilter`)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from core import remembered
from core.models import Department, ServiceCategory
from core.references import reference_rows, with_references
from procurement.models import ProcurementMethod, Tender
from procurement.tendering.public_lists import TENDER_REFERENCES
from tests.factories import DepartmentFactory, DistrictFactory
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db


def _tenders():
    paths = [path.removeprefix("tender__") for path in TENDER_REFERENCES]  # the tenders themselves
    return with_references(Tender.objects.select_related("budget_line").order_by("pk"), *paths)


def _remembered():
    """The reference rows as a process that has served a page before has them."""
    for model in (Department, ProcurementMethod, ServiceCategory):
        reference_rows(model)


def test_the_rows_references_are_attached_without_a_join_or_a_query(django_assert_num_queries):
    district = DistrictFactory(name="鼓楼区")
    first = TenderFactory(department=DepartmentFactory(name="鼓楼区民政局", district=district))
    second = TenderFactory()
    _remembered()
    with CaptureQueriesContext(connection) as captured:
        rows = list(_tenders())
        names = [
            (row.department.name, row.department.district and row.department.district.name, row.method.name)
            for row in rows
        ]
        categories = [row.budget_line.category.name for row in rows]
    (sql,) = [query["sql"] for query in captured.captured_queries]  # the list's own query, nothing more
    assert "core_department" not in sql and "procurement_procurementmethod" not in sql
    assert names[0] == ("鼓楼区民政局", "鼓楼区", first.method.name)
    assert names[1][0] == second.department.name
    assert categories == [first.budget_line.category.name, second.budget_line.category.name]


def test_an_export_reading_in_chunks_gets_them_too(django_assert_num_queries):
    TenderFactory.create_batch(3)
    _remembered()
    with django_assert_num_queries(1):
        assert len({row.department.name for row in _tenders().iterator(chunk_size=2)}) == 3


def test_a_new_purchasing_unit_is_attached_at_once():
    _remembered()
    tender = TenderFactory(department=DepartmentFactory(name="新设采购单位"))
    (row,) = [row for row in _tenders() if row.pk == tender.pk]
    assert row.department.name == "新设采购单位"


def test_a_reference_missing_from_the_copy_is_read_by_django(django_assert_num_queries, monkeypatch):
    tender = TenderFactory()
    monkeypatch.setattr(remembered, "remember", lambda name, build, *d, **k: {})  # another process's unit
    with django_assert_num_queries(1):
        (row,) = list(_tenders().filter(pk=tender.pk))
    with django_assert_num_queries(1):
        assert row.department.name == tender.department.name


def test_only_watched_reference_tables_are_attached():
    with pytest.raises(ImproperlyConfigured):
        reference_rows(Tender)


def test_the_district_filter_keeps_the_rows_of_the_districts_purchasing_units():
    from cms.portal_filters import AwardFilter, public_awards

    gulou, xuanwu = (
        DistrictFactory(code="320106", name="鼓楼区"),
        DistrictFactory(code="320102", name="玄武区"),
    )
    in_gulou = DepartmentFactory(district=gulou)
    awards = public_awards()
    form = AwardFilter(QueryDict("district=320106"), queryset=awards)
    assert form.is_valid(), form.errors
    sql = str(form.qs.query)
    assert "core_district" not in sql and f"IN ({in_gulou.pk})" in sql
    # a unit moved to another district is followed at once
    in_gulou.district = xuanwu
    in_gulou.save()
    moved = AwardFilter(QueryDict("district=320102"), queryset=awards)
    assert moved.is_valid() and f"IN ({in_gulou.pk})" in str(moved.qs.query)
    # a district without purchasing units keeps nothing
    DistrictFactory(code="320199", name="空区")
    empty = AwardFilter(QueryDict("district=320199"), queryset=awards)
    assert empty.is_valid() and not empty.qs.exists()
