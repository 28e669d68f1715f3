"""The scoring-sheet editor: rows added, moved and removed on one page (with and without
JavaScript: every button is a submit button the server understands), saved at once through
`scoring_sheet_replace` (all-or-nothing, audited), errors in Chinese per row, and a previous
call's sheet as the starting point (own purchasing unit's calls and published calls only)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Event
from procurement.models import PurchasingPlan, TenderAmendment, TenderStatus
from procurement.tendering import sheets
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import TEST_PASSWORD, staff_user
from tests.procurement.factories import BudgetLineFactory, make_tender, method, officer_for

pytestmark = pytest.mark.django_db

SHEET = [
    {"name": "价格", "max_points": "30", "is_price": True, "is_objective": True},
    {"name": "服务方案", "max_points": "40"},
    {"name": "项目团队", "max_points": "20"},
    {"name": "同类业绩", "max_points": "10", "is_objective": True},
]


def names(lot) -> list[str]:
    return list(lot.criteria.order_by("sort_order", "pk").values_list("name", flat=True))


def as_rows(lot) -> list[dict]:
    return [
        {
            "name": c.name,
            "max_points": c.max_points,
            "is_price": c.is_price,
            "is_objective": c.is_objective,
            "description": c.description,
        }
        for c in lot.criteria.order_by("sort_order", "pk")
    ]


def own_tender(officer, **kwargs):
    """A draft of the officer's own purchasing unit."""
    plan = PurchasingPlan.objects.filter(department=officer.department).first()
    line = BudgetLineFactory(plan=plan) if plan else BudgetLineFactory(plan__department=officer.department)
    return make_tender(officer=officer, department=officer.department, budget_line=line, **kwargs)


def published(tender):
    """Mark a tender as published (its sheet becomes public) without the whole workflow."""
    tender.status = TenderStatus.PUBLISHED
    tender.published_at = timezone.now()
    tender.save(update_fields=["status", "published_at"])
    return tender


# --- Services ---------------------------------------------------------------------------------


def test_a_reordered_sheet_is_saved_in_the_new_order_and_audited(tender, officer):
    lot = tender.lots.get()
    rows = as_rows(lot)
    rows[0], rows[1] = rows[1], rows[0]
    scoring_sheet_replace(actor=officer, lot=lot, criteria=rows)
    assert names(lot) == ["服务方案", "价格", "项目团队与专业人员", "同类项目业绩"]
    assert list(lot.criteria.order_by("sort_order").values_list("sort_order", flat=True)) == [1, 2, 3, 4]
    event = Event.objects.filter(action="lot.sheet_replace", object_id=str(lot.pk)).latest("seq")
    assert [c["name"] for c in event.after["criteria"]][:2] == ["服务方案", "价格"]


def test_removing_and_adding_criteria_in_one_save(tender, officer):
    lot = tender.lots.get()
    rows = [r for r in as_rows(lot) if r["name"] != "同类项目业绩"]
    rows.append({"name": "社区资源整合", "max_points": Decimal("10"), "is_objective": False})
    scoring_sheet_replace(actor=officer, lot=lot, criteria=rows)
    assert names(lot) == ["价格", "服务方案", "项目团队与专业人员", "社区资源整合"]


def test_a_sheet_not_adding_up_to_100_is_refused_with_a_message_and_nothing_changes(tender, officer):
    lot = tender.lots.get()
    before = names(lot)
    rows = as_rows(lot)[:3]
    with pytest.raises(ValidationError) as refused:
        scoring_sheet_replace(actor=officer, lot=lot, criteria=rows)
    assert any("90" in m and "100" in m for m in refused.value.messages), refused.value.messages
    assert names(lot) == before


def test_a_previous_calls_sheet_is_copied_into_the_editor_and_saved_only_on_save(officer):
    old = own_tender(officer, sheet=SHEET)
    tender = own_tender(officer)
    lot = tender.lots.get()
    source, rows = sheets.template_rows(officer, lot, old.lots.get().pk)
    assert source.tender == old
    assert [r["name"] for r in rows] == ["价格", "服务方案", "项目团队", "同类业绩"]
    assert [r["kind"] for r in rows] == ["price", "subjective", "subjective", "objective"]
    assert names(lot) != ["价格", "服务方案", "项目团队", "同类业绩"], "loading saves nothing"


def test_another_units_draft_is_never_a_template_but_its_published_call_is(tender, officer):
    other = make_tender(sheet=SHEET)
    lot = tender.lots.get()
    other_lot = other.lots.get()
    assert other_lot not in sheets.template_candidates(officer, lot)
    with pytest.raises(ValidationError) as refused:
        sheets.template_rows(officer, lot, other_lot.pk)
    assert "不能使用" in refused.value.messages[0] or "无权" in refused.value.messages[0]
    published(other)
    assert other_lot in sheets.template_candidates(officer, lot)
    _source, rows = sheets.template_rows(officer, lot, other_lot.pk)
    assert len(rows) == 4


def test_templates_are_offered_only_to_those_who_may_manage_the_tender(tender):
    published(make_tender())
    lot = tender.lots.get()
    assert not sheets.template_candidates(staff_user(Role.SUPERVISOR), lot).exists()
    assert not sheets.template_candidates(officer_for(make_tender().department), lot).exists()
    assert sheets.template_candidates(officer_for(tender.department), lot).exists()


def test_a_template_outside_the_methods_price_bounds_is_refused_on_save(officer):
    heavy_price = [{**SHEET[0], "max_points": "40"}, {**SHEET[1], "max_points": "30"}, *SHEET[2:]]
    old = own_tender(officer, sheet=heavy_price)
    tender = own_tender(officer, method=method("competitive_consultation"))
    lot = tender.lots.get()
    _source, rows = sheets.template_rows(officer, lot, old.lots.get().pk)
    criteria = [
        {"name": r["name"], "max_points": r["max_points"], "is_price": r["kind"] == "price"} for r in rows
    ]
    with pytest.raises(ValidationError) as refused:
        scoring_sheet_replace(actor=officer, lot=lot, criteria=criteria)
    assert any("40" in m and "30" in m for m in refused.value.messages)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("up-1", ["b", "a", "c"]),
        ("up-0", ["a", "b", "c"]),
        ("down-0", ["b", "a", "c"]),
        ("down-2", ["a", "b", "c"]),
        ("remove-1", ["a", "c"]),
        ("add", ["a", "b", "c", ""]),
        ("remove-9", ["a", "b", "c"]),
    ],
)
def test_row_operations(op, expected):
    rows = [{"name": n, "kind": "subjective", "max_points": "1", "description": ""} for n in "abc"]
    assert [r["name"] for r in sheets.apply_operation(rows, op)] == expected


def test_the_running_total_ignores_what_is_not_a_number():
    rows = [{"max_points": "30"}, {"max_points": "12.5"}, {"max_points": "abc"}, {"max_points": ""}]
    assert sheets.rows_total(rows) == Decimal("42.5")


# --- The page, without JavaScript -----------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def sheet_url(tender):
    return reverse("procurement_lot_sheet", args=[tender.pk, tender.lots.get().pk])


def post_rows(rows, **extra) -> dict:
    data = {"criteria-TOTAL_FORMS": str(len(rows)), "criteria-INITIAL_FORMS": "0"}
    data |= {"criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "30"}
    for i, (name, kind, points) in enumerate(rows):
        data |= {f"criteria-{i}-name": name, f"criteria-{i}-kind": kind, f"criteria-{i}-max_points": points}
        data[f"criteria-{i}-description"] = ""
    return data | extra


ROWS = [("价格", "price", "30"), ("服务方案", "subjective", "40"), ("项目团队", "subjective", "20")]


def shown_names(response) -> list[str]:
    formset = response.context["formset"]
    return [f.initial.get("name", "") for f in formset.forms]


def test_the_editor_shows_the_rows_the_total_and_the_buttons(client, tender, officer):
    body = login(client, officer).get(sheet_url(tender)).content.decode()
    assert "服务方案" in body
    assert 'name="op" value="add"' in body and 'value="up-1"' in body and 'value="remove-3"' in body
    assert "合计为100分" in body
    assert "scoring-sheet.js" in body and "<script>" not in body.split("scoring-sheet")[0][-200:]


def test_add_a_row_without_javascript_shows_one_more_empty_row_and_saves_nothing(client, tender, officer):
    lot = tender.lots.get()
    before = names(lot)
    response = login(client, officer).post(sheet_url(tender), post_rows(ROWS, op="add"))
    assert response.status_code == 200
    assert shown_names(response) == ["价格", "服务方案", "项目团队", ""]
    assert "还差10分" in response.content.decode()
    assert names(lot) == before


def test_move_and_remove_without_javascript_then_save(client, tender, officer):
    lot = tender.lots.get()
    login(client, officer)
    response = client.post(sheet_url(tender), post_rows(ROWS, op="down-0"))
    assert shown_names(response) == ["服务方案", "价格", "项目团队"]
    response = client.post(sheet_url(tender), post_rows([*ROWS, ("多余", "subjective", "5")], op="remove-3"))
    assert shown_names(response) == ["价格", "服务方案", "项目团队"]
    rows = [("服务方案", "subjective", "40"), ("价格", "price", "30"), ("项目团队", "subjective", "20")]
    rows.append(("社区资源", "objective", "10"))
    response = client.post(sheet_url(tender), post_rows(rows, op="save"))
    assert response.status_code == 302
    assert names(lot) == ["服务方案", "价格", "项目团队", "社区资源"]


def test_a_wrong_sheet_is_reshown_with_the_total_and_chinese_errors_per_row(client, tender, officer):
    lot = tender.lots.get()
    before = names(lot)
    rows = [("价格", "price", "5"), ("社会组织资质", "subjective", "20"), ("服务方案", "subjective", "")]
    response = login(client, officer).post(sheet_url(tender), post_rows(rows))
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "10" in " ".join(forms[0].errors["max_points"])  # the open tender's price bounds: 10 to 100
    assert "资格条件" in " ".join(forms[1].errors["name"])
    assert forms[2].errors["max_points"] == ["此项为必填项。"]
    body = response.content.decode()
    assert "25" in response.context["formset"].non_form_errors()[0]
    assert "还差75分" in body
    assert names(lot) == before


def test_the_editor_loads_a_template_without_saving(client, officer):
    old = own_tender(officer, sheet=SHEET)
    tender = own_tender(officer)
    before = names(tender.lots.get())
    login(client, officer)
    body = client.get(sheet_url(tender)).content.decode()
    assert old.reference in body and "4项" in body
    response = client.post(sheet_url(tender), post_rows(ROWS, op="load", template=str(old.lots.get().pk)))
    assert shown_names(response) == ["价格", "服务方案", "项目团队", "同类业绩"]
    assert names(tender.lots.get()) == before


def test_another_departments_officer_is_refused_and_cannot_load_into_it(client, tender):
    stranger = officer_for(make_tender().department)
    login(client, stranger)
    assert client.get(sheet_url(tender)).status_code == 404
    response = client.post(sheet_url(tender), post_rows(ROWS, op="load", template=str(tender.lots.get().pk)))
    assert response.status_code == 404


def test_loading_another_units_draft_by_id_is_refused_on_the_page(client, tender, officer):
    other = make_tender(sheet=SHEET)
    response = login(client, officer).post(
        sheet_url(tender), post_rows(ROWS, op="load", template=str(other.lots.get().pk))
    )
    assert response.status_code == 200
    assert shown_names(response) == ["价格", "服务方案", "项目团队"]
    assert other.reference not in response.content.decode()


def test_the_editor_is_read_only_once_bidding_has_closed(client, tender, officer):
    tender.status = TenderStatus.CLOSED
    tender.save(update_fields=["status"])
    login(client, officer)
    body = client.get(sheet_url(tender)).content.decode()
    assert 'name="op"' not in body and "服务方案" in body
    manage = client.get(reverse("procurement_tender_manage", args=[tender.pk])).content.decode()
    assert "编辑评分标准" not in manage and "查看评分标准" in manage
    response = client.post(sheet_url(tender), post_rows(ROWS, op="add"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_editor_queries_do_not_grow_with_criteria_or_templates(client, officer):
    small = own_tender(officer)
    login(client, officer)
    client.get(sheet_url(small))
    with CaptureQueriesContext(connection) as few:
        client.get(sheet_url(small))
    many_rows = [{"name": f"评分项{i}", "max_points": "3"} for i in range(20)]
    many_rows += [
        {"name": "价格", "max_points": "30", "is_price": True},
        {"name": "服务方案", "max_points": "10"},
    ]
    big = own_tender(officer, sheet=many_rows)
    for _ in range(3):
        published(make_tender(sheet=SHEET))
        own_tender(officer, sheet=many_rows)
    client.get(sheet_url(big))
    with CaptureQueriesContext(connection) as many:
        response = client.get(sheet_url(big))
    assert len(response.context["templates"]) >= 7
    assert len(response.context["formset"].forms) == 22
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


@pytest.mark.parametrize(
    ("who", "get_status", "can_edit"),
    [
        ("anonymous", 302, False),
        ("other_officer", 404, False),
        ("approver", 200, False),
        ("supervisor", 200, False),
        ("officer", 200, True),
        ("superuser", 200, True),
    ],
)
def test_who_may_open_and_change_the_editor(client, tender, officer, who, get_status, can_edit):
    users = {
        "other_officer": lambda: officer_for(make_tender().department),
        "approver": lambda: staff_user(Role.BUREAU_APPROVER),
        "supervisor": lambda: staff_user(Role.SUPERVISOR),
        "officer": lambda: officer,
        "superuser": lambda: staff_user(Role.BUREAU_ADMIN, is_superuser=True),
    }
    if who != "anonymous":
        login(client, users[who]())
    published(make_tender())  # a sheet to start from, for those who may edit
    lot = tender.lots.get()
    before = names(lot)
    response = client.get(sheet_url(tender))
    assert response.status_code == get_status
    if get_status == 200:
        body = response.content.decode()
        assert ('name="op" value="add"' in body) is can_edit
        assert ('name="template"' in body) is can_edit
    response = client.post(sheet_url(tender), post_rows([*ROWS, ("社区资源", "objective", "10")], op="save"))
    if can_edit:
        assert response.status_code == 302 and names(lot) == ["价格", "服务方案", "项目团队", "社区资源"]
    else:
        assert response.status_code in (302, 404) and names(lot) == before
        if who == "anonymous":
            assert "login" in response.url


def test_while_bidding_runs_the_editor_keeps_the_amendment_notice_and_saves_by_amendment(
    client, tender, officer
):
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    lot = tender.lots.get()
    notice = {"amend-description": "调整评分标准。", "amend-affects_bids": "on"}
    login(client, officer)
    response = client.post(sheet_url(tender), post_rows(ROWS, op="add", **notice))
    assert response.status_code == 200 and "调整评分标准。" in response.content.decode()
    assert not TenderAmendment.objects.filter(tender=tender).exists()
    rows = [*ROWS, ("社区资源", "objective", "10")]
    response = client.post(sheet_url(tender), post_rows(rows, op="save", **notice))
    assert response.status_code == 302
    assert TenderAmendment.objects.filter(tender=tender).count() == 1
    assert names(lot) == ["价格", "服务方案", "项目团队", "社区资源"]
