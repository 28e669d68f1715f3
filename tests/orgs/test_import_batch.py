"""The register import writes organizations and grades a batch at a time (issue 17): the queries of an
import do not grow with its rows, each batch is one audit event with the row count, the codes and
the rows' sha256, progress is reported per batch, and the all-or-nothing checks still report every
bad row with its number."""

import datetime
import json

import pytest
import tablib
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import Event
from core import progress
from core.models import ServiceCategory
from core.uscc import uscc_complete
from orgs import resources
from orgs.models import EvaluationGrade, Organization
from orgs.resources import import_dataset, rows_digest
from tests.factories import DistrictFactory
from tests.orgs.factories import OrganizationFactory, make_id_number, make_uscc
from tests.orgs.test_import_export import HEADERS as IMPORT_HEADERS

pytestmark = pytest.mark.django_db

HEADERS = [*IMPORT_HEADERS, "联系电话", "接受未通过校验代码的理由"]


def _row(
    n, *, uscc=None, name=None, id_number=None, founded="2019-03-01", category="老年人服务", override=""
):
    return [
        name or f"导入社会组织{n}",
        uscc or make_uscc(n),
        "社会服务机构",
        "市民政局",
        "王芳",
        make_id_number(n) if id_number is None else id_number,
        founded,
        "30000",
        "中山路1号",
        "玄武区",
        category,
        "否",
        f"1380000{n:04d}",
        override,
    ]


def _dataset(rows, headers=HEADERS) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return dataset


@pytest.fixture
def district(db):
    return DistrictFactory(code="320102", name="玄武区")


def _import(registry, rows, kind="organizations", headers=HEADERS):
    """The import's result and its queries, each import from cold caches (the actor's roles read
    afresh, content types not cached), so that two imports count alike."""
    ContentType.objects.clear_cache()
    actor = type(registry).objects.get(pk=registry.pk)
    with translation.override("zh-hans"), CaptureQueriesContext(connection) as queries:
        result = import_dataset(actor=actor, kind=kind, dataset=_dataset(rows, headers))
    return result, len(queries)


def test_the_queries_of_an_organization_import_do_not_grow_with_its_rows(registry, district):
    few, few_queries = _import(registry, [_row(n) for n in range(1, 11)])
    many, many_queries = _import(registry, [_row(n) for n in range(101, 131)])
    assert (few.errors, few.written, many.errors, many.written) == ([], 10, [], 30)
    assert many_queries == few_queries
    assert Organization.objects.count() == 40
    elderly = ServiceCategory.objects.get(name="老年人服务", parent__isnull=True)
    assert set(
        Organization.service_categories.through.objects.values_list("servicecategory_id", flat=True)
    ) == {elderly.pk}
    # Updating them (a new name and another category for every one): again one count for 10 and 30.
    other = ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=elderly.pk).first()
    few, few_queries = _import(
        registry, [_row(n, name=f"改名{n}", category=other.name) for n in range(1, 11)]
    )
    many, many_queries = _import(
        registry, [_row(n, name=f"改名{n}", category=other.name) for n in range(101, 131)]
    )
    assert (few.written, many.written) == (10, 30)
    assert many_queries == few_queries
    renamed = Organization.objects.get(uscc=make_uscc(105))
    assert renamed.name == "改名105" and list(renamed.service_categories.all()) == [other]
    assert Event.objects.filter(action="organization.import").count() == 4


def test_each_batch_is_one_audit_event_and_one_progress_report(registry, district, monkeypatch):
    monkeypatch.setattr(resources, "IMPORT_BATCH_SIZE", 4)
    reports = []
    rows = [_row(n) for n in range(1, 11)]
    with progress.listening(lambda done, total: reports.append((done, total))):
        result, queries = _import(registry, rows)
    assert result.ok and result.written == 10
    # Rows 2–5, 6–9, 10–11 of the sheet (the header is row 1): done = data rows finished.
    assert reports == [(4, 10), (8, 10), (10, 10), (10, 10)]
    events = list(Event.objects.filter(action="organization.import").order_by("seq"))
    assert [e.after["rows"] for e in events] == [4, 4, 2]
    assert [(e.after["first_row"], e.after["last_row"]) for e in events] == [(2, 5), (6, 9), (10, 11)]
    assert [c for e in events for c in e.after["created_codes"]] == [make_uscc(n) for n in range(1, 11)]
    assert all(e.actor_id == registry.pk for e in events)
    parsed = list(resources._rows(_dataset(rows), resources.OrganizationResource))
    assert {e.after["file_sha256"] for e in events} == {rows_digest(parsed)}
    assert events[1].after["rows_sha256"] == rows_digest(parsed[4:8])
    # The digest takes the ID number's keyed hash: no full ID number anywhere in the log.
    logged = json.dumps([e.after for e in events], ensure_ascii=False)
    assert make_id_number(3) not in logged and make_id_number(3)[:10] not in logged
    # A bounded count a batch: 3 batches of 4 rows cost what 3 batches of 1 row do.
    Organization.objects.all().delete()
    monkeypatch.setattr(resources, "IMPORT_BATCH_SIZE", 1)
    _again, three_single_rows = _import(registry, [_row(n) for n in range(1, 4)])
    assert three_single_rows == queries


def test_an_update_keeps_the_id_on_file_and_rows_as_on_record_are_left_alone(registry, district):
    elderly = ServiceCategory.objects.get(name="老年人服务", parent__isnull=True)
    same = OrganizationFactory(
        uscc=make_uscc(1),
        name="甲",
        district=district,
        id_number=make_id_number(1),
        contact_phone="13800000001",
    )
    same.service_categories.set([elderly])
    changed = OrganizationFactory(
        uscc=make_uscc(2), name="乙", district=district, id_number=make_id_number(9)
    )
    hmac_before = changed.legal_rep_id_hmac
    rows = [
        _row(1, name="甲", id_number=make_id_number(1)),  # reads as on record
        _row(2, name="乙（新名称）", id_number=""),  # no number: the one on file stays
        _row(3),
    ]
    same.registered_capital, same.founded_on = 30000, datetime.date(2019, 3, 1)
    same.org_type, same.registration_authority, same.legal_rep_name = "social_service", "市民政局", "王芳"
    same.address, same.contact_email, same.contact_name = "中山路1号", "", ""
    same.save()
    events = Event.objects.count()
    result, _queries = _import(registry, rows)
    assert result.ok, result.errors
    assert (result.written, result.unchanged) == (2, 1), (
        Event.objects.filter(action="organization.import").get().after["updated_fields"]
    )
    changed.refresh_from_db()
    assert changed.name == "乙（新名称）" and changed.legal_rep_id_hmac == hmac_before
    assert list(changed.service_categories.all()) == [elderly]
    event = Event.objects.get(action="organization.import")
    assert Event.objects.count() == events + 1
    assert event.after["created_codes"] == [make_uscc(3)]
    assert set(event.after["updated_fields"]) == {make_uscc(2)}
    assert {"name", "service_categories"} <= set(event.after["updated_fields"][make_uscc(2)])
    assert (event.after["created"], event.after["updated"], event.after["unchanged"]) == (1, 1, 1)


def test_the_service_checks_are_reported_with_the_files_other_errors(registry, district):
    """One round: a bad date (the row check) and a code of another registration department (the
    service's check) are both reported, each with its row number; nothing is written."""
    enterprise = uscc_complete("91320100MA0000001")
    rows = [_row(1), _row(2, uscc=enterprise), _row(3, founded="去年"), _row(4, founded="2999-01-01")]
    result, _queries = _import(registry, rows)
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "统一社会信用代码"),
        (4, "成立日期"),
        (5, "成立日期"),
    }
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert "成立日期不能晚于今天。" in [e.message for e in result.errors if e.row == 5]
    assert not Organization.objects.exists()
    assert not Event.objects.filter(action__startswith="organization.").exists()


def test_an_accepted_code_that_fails_the_check_is_named_in_the_batch_event(registry, district):
    good = make_uscc(7)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    result, _queries = _import(registry, [_row(7, uscc=bad_check, override="登记证书原件核对无误")])
    assert result.ok, result.errors
    assert Organization.objects.get().uscc_override_reason == "登记证书原件核对无误"
    event = Event.objects.get(action="organization.import")
    assert event.after["uscc_overrides"] == {bad_check: "登记证书原件核对无误"}


GRADE_HEADERS = ["统一社会信用代码", "评估等级", "评定日期", "证书编号"]


def test_a_grade_import_is_batched_too(registry):
    organizations = [OrganizationFactory() for _n in range(30)]

    def rows(orgs, day):
        return [[o.uscc, "4A", f"2024-06-{day:02d}", f"PG-{i}"] for i, o in enumerate(orgs)]

    few, few_queries = _import(registry, rows(organizations[:10], 1), "grades", GRADE_HEADERS)
    many, many_queries = _import(registry, rows(organizations, 2), "grades", GRADE_HEADERS)
    assert (few.errors, few.written, many.written) == ([], 10, 30)
    assert many_queries == few_queries
    assert EvaluationGrade.objects.count() == 40
    grade = EvaluationGrade.objects.get(organization=organizations[0], granted_on=datetime.date(2024, 6, 2))
    assert str(grade.expires_on) == "2029-06-02" and grade.get_grade_display() == "4A"
    events = list(Event.objects.filter(action="grade.import").order_by("seq"))
    assert [e.after["rows"] for e in events] == [10, 30]
    assert events[1].after["grades"][0]["id"] == grade.pk
    # The same grade again: reported on its row, nothing written.
    again, _queries = _import(registry, rows(organizations[:2], 2), "grades", GRADE_HEADERS)
    assert {(e.row, e.column) for e in again.errors} == {(2, "评定日期"), (3, "评定日期")}
    assert EvaluationGrade.objects.count() == 40


def test_a_refused_row_in_a_later_batch_rolls_back_the_batches_already_written(
    registry, district, monkeypatch
):
    """All or nothing across batches: the first batch is written and audited, the service refuses a
    row of the second (a code of another registration department), and nothing stays."""
    monkeypatch.setattr(resources, "IMPORT_BATCH_SIZE", 2)
    reports = []
    rows = [_row(1), _row(2), _row(3, uscc=uscc_complete("91320100MA0000002")), _row(4), _row(5)]
    with progress.listening(lambda done, total: reports.append((done, total))):
        result, _queries = _import(registry, rows)
    assert [(e.row, e.column) for e in result.errors] == [(4, "统一社会信用代码")]
    assert result.written == 0
    assert not Organization.objects.exists()
    assert not Event.objects.filter(action="organization.import").exists()
    assert reports == [(2, 5), (5, 5)]  # after each batch written (the refused one is not reported)


def test_the_batch_service_checks_what_it_is_given(registry, district):
    """`organizations_import_batch` does not trust its caller: only registry administrators, and a
    row its rules refuse is named by its row number with nothing written."""
    from django.core.exceptions import PermissionDenied

    from orgs.services import register_import
    from tests.factories import UserFactory

    def row(n, **changes):
        instance = Organization(
            name=f"直接写入{n}",
            uscc=make_uscc(n),
            org_type="social_service",
            registration_authority="市民政局",
            legal_rep_name="王芳",
            founded_on=datetime.date(2019, 3, 1),
            address="中山路1号",
            district=district,
        )
        for key, value in changes.items():
            setattr(instance, key, value)
        return register_import.OrganizationImportRow(n + 1, instance, make_id_number(n), [])

    with pytest.raises(PermissionDenied):
        register_import.organizations_import_batch(actor=UserFactory(), rows=[row(1)], digest={})
    with pytest.raises(register_import.ImportRowErrors) as refused:
        register_import.organizations_import_batch(
            actor=registry, rows=[row(1), row(2, org_type="bogus"), row(3, registered_capital=-1)], digest={}
        )
    assert [(n, sorted(e.message_dict)) for n, e in refused.value.row_errors] == [
        (3, ["org_type"]),
        (4, ["registered_capital"]),
    ]
    assert not Organization.objects.exists() and not Event.objects.exists()
    outcome = register_import.organizations_import_batch(actor=registry, rows=[row(1)], digest={"note": "x"})
    assert outcome.created == [make_uscc(1)] and Organization.objects.get().is_verified
    assert Event.objects.get(action="organization.import").after["note"] == "x"
