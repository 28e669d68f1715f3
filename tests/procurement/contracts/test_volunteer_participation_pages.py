"""Volunteer participation on the contract pages and volunteer-hour targets (issue 15, points 1–2):
the staff/supplier and public contract pages show the figures of the contract's volunteer projects
(no names), only when it has projects (the staff page says there is none yet and offers the volunteers
app's links); targets take an optional goal in volunteer hours on the draft and amendment forms and
show the verified hours toward it, capped at the goal; the pages read a constant number of queries
with one or several targets and projects. Most tests use a fake provider (restored after); the last
ones go through the volunteers app's real provider."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Event
from procurement.contracts import participation as participation_module
from procurement.contracts.participation import Participation
from procurement.contracts.services.amendments import contract_amend
from procurement.contracts.services.contracts import contract_target_add
from procurement.contracts.volunteering import HoursProgress, volunteering_score
from procurement.models import ContractTarget
from tests.procurement.contracting import active_contract, draft_contract, published_award

pytestmark = pytest.mark.django_db

LINK = ("为此合同创建志愿服务项目", "/volunteers/manage/contracts/0/projects/new/")


@pytest.fixture
def fake():
    """A fake participation provider (figures per contract id, set by the test) and links provider
    (one link, for signed-in users); the real ones are put back afterwards."""
    saved = (participation_module._provider, participation_module._links_provider)
    figures: dict[int, Participation] = {}
    participation_module.register_provider(lambda ids: {pk: figures[pk] for pk in ids if pk in figures})
    participation_module.register_links_provider(
        lambda contract, user: [LINK] if getattr(user, "is_authenticated", False) else []
    )
    yield figures
    participation_module._provider, participation_module._links_provider = saved


@pytest.fixture
def setup():
    award, officer, winner, _others = published_award()
    contract = active_contract(award, officer)
    return contract, officer, winner


def _body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _staff(contract):
    return reverse("procurement:contract_detail", args=[contract.pk])


def _public(contract):
    return reverse("procurement:contract_public_detail", args=[contract.pk])


FIGURES = Participation(projects=2, needs=5, signups=17, verified_hours=D("36.50"), volunteers_served=9)


def _dd(body: str, name: str) -> str:
    match = re.search(rf"<dd data-participation-{name}>([^<]*)</dd>", body)
    assert match, name
    return match.group(1)


# --- the participation section ---------------------------------------------------------------------


def test_without_projects_the_staff_page_says_so_with_the_links_and_the_public_page_shows_nothing(
    client, setup, fake
):
    contract, officer, winner = setup
    for user in (officer, winner):
        client.force_login(user)
        body = _body(client.get(_staff(contract)))
        assert "data-participation-empty" in body and "此合同下尚无志愿服务项目。" in body
        assert f'href="{LINK[1]}"' in body and LINK[0] in body
        assert "data-participation-projects" not in body
    client.logout()
    body = _body(client.get(_public(contract)))
    assert "data-participation" not in body and "志愿服务参与情况" not in body


def test_the_contract_pages_show_the_figures_of_the_volunteer_projects(client, setup, fake):
    contract, officer, winner = setup
    fake[contract.pk] = FIGURES
    for user in (officer, winner, None):
        if user:
            client.force_login(user)
        else:
            client.logout()
        body = _body(client.get(_public(contract) if user is None else _staff(contract)))
        assert "志愿服务参与情况" in body and "data-participation-empty" not in body
        assert [_dd(body, n) for n in ("projects", "needs", "signups", "hours", "volunteers")] == [
            "2", "5", "17", "36.5", "9",
        ]  # fmt: skip
        for label in ("志愿服务项目", "志愿服务需求", "志愿者报名人次", "经核实的志愿服务时长（小时）"):
            assert label in body
        # the public page offers no volunteers-app link; the staff page offers this user's links
        assert (LINK[1] in body) == (user is not None)


# --- volunteer-hour targets ------------------------------------------------------------------------


def test_progress_of_a_volunteer_hour_target_is_shown_and_capped_at_the_goal(client, setup, fake):
    contract, officer, _winner = setup
    contract_amend(
        actor=officer, contract=contract, reason="增加志愿服务时长目标",
        add_targets=[{"name": "志愿服务时长", "measure": "≥ 100 小时", "weight": "20", "volunteer_hours_goal": "100"}],
    )  # fmt: skip
    fake[contract.pk] = Participation(
        projects=1, needs=1, signups=3, verified_hours=D("36.5"), volunteers_served=3
    )
    client.force_login(officer)
    for url in (_staff(contract), _public(contract)):
        body = _body(client.get(url))
        assert "已核实志愿服务时长 36.5 / 100 小时（36%）" in body
        assert 'max="100.0" value="36.5"' in body and "data-hours-reached" not in body
        # the other targets show no progress
        assert body.count("data-hours-progress") == 1
    fake[contract.pk] = Participation(
        projects=1, needs=1, signups=3, verified_hours=D("150"), volunteers_served=3
    )
    for url in (_staff(contract), _public(contract)):
        body = _body(client.get(url))
        assert "已核实志愿服务时长 150 / 100 小时（100%）" in body
        assert 'max="100.0" value="100.0"' in body and "已达成目标" in body


def test_hours_progress_and_score_arithmetic():
    assert HoursProgress(D("0"), D("80")).percent == 0
    assert HoursProgress(D("79.9"), D("80")).percent == 99  # floored: not 100% before the goal
    progress = HoursProgress(D("120"), D("80"))
    assert (progress.percent, progress.shown, progress.reached) == (100, D("80"), True)

    class T:
        def __init__(self, goal, retired=None):
            self.volunteer_hours_goal, self.retired_by_id = goal, retired

    figures = Participation(projects=1, verified_hours=D("30"))
    assert volunteering_score(figures, [T(D("100")), T(D("50")), T(None)]) == D("20.00")
    assert volunteering_score(figures, [T(D("100")), T(D("50"), retired=1)]) == D("30.00")
    assert volunteering_score(Participation(projects=1, verified_hours=D("500")), [T(D("100"))]) == D(
        "100.00"
    )
    assert volunteering_score(figures, [T(None)]) is None


def _edit_data(contract, *, targets):
    milestones = list(contract.milestones.order_by("number"))
    data = {
        "title": contract.title, "advance_share": str(contract.advance_share),
        "starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat(),
        "service_standard": contract.service_standard, "report_schedule": contract.report_schedule,
        "continuing_reason": "", "purchaser_signatory": "王科长", "supplier_signatory": "李主任",
        "contact_phone": "025-12341234",
        "targets-TOTAL_FORMS": str(len(targets)), "targets-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": str(len(milestones)), "milestones-INITIAL_FORMS": "0",
    }  # fmt: skip
    for i, row in enumerate(targets):
        data.update({f"targets-{i}-{k}": v for k, v in row.items()})
    for i, m in enumerate(milestones):
        data.update(
            {
                f"milestones-{i}-pk": m.pk,
                f"milestones-{i}-deliverable": f"{m.deliverable}（修订）",  # changed rows are read
                f"milestones-{i}-due_on": m.due_on.isoformat(),
                f"milestones-{i}-payment_share": str(m.payment_share),
            }
        )
    return data


def test_the_draft_form_takes_a_goal_in_volunteer_hours_and_the_audit_keeps_it(client):
    award, officer, *_ = published_award()
    contract = draft_contract(award, officer)
    kept = contract.targets.order_by("sort_order").first()
    client.force_login(officer)
    url = reverse("procurement:contract_edit", args=[contract.pk])
    body = _body(client.get(url))
    assert "志愿服务时长目标（小时）" in body and 'name="targets-0-volunteer_hours_goal"' in body
    data = _edit_data(
        contract,
        targets=[
            {"pk": kept.pk, "name": kept.name, "measure": kept.measure, "weight": "50", "volunteer_hours_goal": ""},
            {"pk": "", "name": "志愿服务时长", "measure": "≥ 200 小时", "weight": "50", "volunteer_hours_goal": "200"},
        ],
    )  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(
        r"(?:error|alert)[^>]*>(.{0,200})", response.content.decode()
    )
    goals = list(contract.targets.order_by("sort_order").values_list("name", "volunteer_hours_goal"))
    assert goals == [(kept.name, None), ("志愿服务时长", D("200.0"))]
    event = Event.objects.filter(action="contract.plan_save").latest("pk")
    assert [t["volunteer_hours_goal"] for t in event.after["targets"]] == [None, "200.0"]
    # a goal of zero is refused by the form and nothing changes
    data["targets-1-volunteer_hours_goal"] = "0"
    response = client.post(url, data)
    assert (
        response.status_code == 200 and 'name="targets-1-volunteer_hours_goal"' in response.content.decode()
    )
    assert contract.targets.get(name="志愿服务时长").volunteer_hours_goal == D("200.0")


def test_the_services_refuse_a_goal_not_above_zero(setup):
    contract, officer, _winner = setup
    with pytest.raises(ValidationError) as error:
        contract_amend(
            actor=officer, contract=contract, reason="调整",
            add_targets=[{"name": "志愿服务时长", "measure": "100 小时", "weight": "10", "volunteer_hours_goal": "-5"}],
        )  # fmt: skip
    assert "志愿服务时长目标必须大于零。" in error.value.messages
    assert not contract.amendments.exists()
    award, officer2, *_ = published_award()
    draft = draft_contract(award, officer2)
    target = contract_target_add(
        actor=officer2,
        contract=draft,
        name="志愿服务时长",
        measure="≥ 50 小时",
        weight=10,
        volunteer_hours_goal="50",
    )
    assert target.volunteer_hours_goal == D("50.0")


def test_the_amendment_form_adds_a_volunteer_hour_target(client, setup, fake):
    contract, officer, _winner = setup
    client.force_login(officer)
    url = reverse("procurement:contract_amend", args=[contract.pk])
    assert 'name="new-0-volunteer_hours_goal"' in _body(client.get(url))
    response = client.post(
        url,
        {
            "reason": "增加志愿服务时长目标", "targets_change": "新增志愿服务时长目标",
            "new-TOTAL_FORMS": "2", "new-INITIAL_FORMS": "0",
            "new-0-name": "志愿服务时长", "new-0-measure": "≥ 300 小时", "new-0-weight": "20",
            "new-0-volunteer_hours_goal": "300",
        },
    )  # fmt: skip
    assert response.status_code == 302
    target = ContractTarget.objects.get(contract=contract, name="志愿服务时长")
    assert target.volunteer_hours_goal == D("300.0") and target.added_by is not None


# --- query counts --------------------------------------------------------------------------------


def _add_goal_targets(contract, n):
    start = contract.targets.count()
    for i in range(n):
        ContractTarget.objects.create(
            contract=contract, name=f"志愿服务时长{i}", measure="小时", weight=D("5"),
            volunteer_hours_goal=D("10") * (i + 1), sort_order=start + i,
        )  # fmt: skip


@pytest.mark.parametrize("who", ["officer", "public"])
def test_the_contract_pages_read_the_same_queries_with_one_or_several_volunteer_hour_targets(
    client, setup, fake, who
):
    contract, officer, _winner = setup
    fake[contract.pk] = FIGURES
    if who == "officer":
        client.force_login(officer)
    url = _staff(contract) if who == "officer" else _public(contract)
    _add_goal_targets(contract, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _add_goal_targets(contract, 6)
    with CaptureQueriesContext(connection) as several:
        body = _body(client.get(url))
    assert body.count("data-hours-progress") == 7
    assert len(one) == len(several)


# --- through the volunteers app's real provider ----------------------------------------------------


@pytest.fixture
def real():
    """The volunteers app's provider is registered (the app is installed); the fake is not in use."""
    from volunteers.participation import participation_by_contract

    assert participation_module._provider is participation_by_contract
    from tests.volunteers.contracted_helpers import contracted

    return contracted()


def _served(s, project, volunteers, minutes=90):
    """A need of the project, each volunteer signed up, checked in and their minutes verified."""
    from tests.volunteers.contracted_helpers import in_term
    from volunteers.services.hours import hours_manual_entry, hours_verify
    from volunteers.services.needs import need_create
    from volunteers.services.signups import signup_apply

    need = need_create(
        actor=s.supplier, project=project, title="陪伴长者散步", role="陪伴", service_type=None, district=None,
        address="幸福路1号", headcount=5, signup_closes_at=in_term(2), slots=[(in_term(7), in_term(7, 12))],
    )  # fmt: skip
    slot = need.slots.get()
    signups = [signup_apply(actor=volunteer.user, slot=slot) for volunteer in volunteers]
    now = datetime.datetime.now(datetime.UTC)  # the slot took place: its hours may be entered
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=4), now - datetime.timedelta(hours=1)
    slot.save()
    for signup in signups:
        hours_verify(
            actor=s.supplier, record=hours_manual_entry(actor=s.supplier, signup=signup, minutes=minutes)
        )
    return need


def test_real_provider_verified_hours_show_on_the_pages_without_names(client, real):
    from tests.volunteers.contracted_helpers import project_of
    from tests.volunteers.factories import VolunteerFactory

    s = real
    contract_amend(
        actor=s.officer, contract=s.contract, reason="增加志愿服务时长目标",
        add_targets=[{"name": "志愿服务时长", "measure": "≥ 10 小时", "weight": "20", "volunteer_hours_goal": "10"}],
    )  # fmt: skip
    project = project_of(s)
    volunteers = [VolunteerFactory(), VolunteerFactory()]
    _served(s, project, volunteers)
    names = [v.user.display_name for v in volunteers if v.user.display_name]
    for user in (s.officer, None):
        if user:
            client.force_login(user)
        else:
            client.logout()
        body = _body(client.get(_public(s.contract) if user is None else _staff(s.contract)))
        assert [_dd(body, n) for n in ("projects", "needs", "signups", "hours", "volunteers")] == [
            "1", "1", "2", "3", "2",
        ]  # fmt: skip
        assert "已核实志愿服务时长 3 / 10 小时（30%）" in body
        for name in names:
            assert name not in body
    # the supplier's member is offered the volunteers app's links
    client.force_login(s.supplier)
    body = _body(client.get(_staff(s.contract)))
    assert reverse("volunteers:contracted_project_create", args=[s.contract.pk]) in body


@pytest.mark.parametrize("who", ["officer", "public"])
def test_real_provider_pages_read_the_same_queries_with_one_or_several_projects(client, real, who):
    from tests.volunteers.contracted_helpers import project_of
    from tests.volunteers.factories import VolunteerFactory

    s = real
    if who == "officer":
        client.force_login(s.officer)
    url = _staff(s.contract) if who == "officer" else _public(s.contract)
    _served(s, project_of(s, "一"), [VolunteerFactory()])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for title in ("二", "三", "四"):
        _served(s, project_of(s, title), [VolunteerFactory(), VolunteerFactory()])
    with CaptureQueriesContext(connection) as several:
        body = _body(client.get(url))
    assert _dd(body, "projects") == "4" and _dd(body, "volunteers") == "7"
    assert len(one) == len(several)


# --- the public list ------------------------------------------------------------------------------


def test_the_public_list_notes_the_volunteer_figures_in_a_constant_number_of_queries(client, fake):
    award, officer, *_ = published_award()
    first = active_contract(award, officer)
    fake[first.pk] = FIGURES
    url = reverse("procurement:contract_public_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        body = _body(client.get(url))
    assert body.count("data-volunteer-note") == 1 and "志愿服务项目 2 个 · 经核实时长 36.5 小时" in body
    for _n in range(2):
        award, officer, *_ = published_award()
        other = active_contract(award, officer)
        fake[other.pk] = Participation(projects=1, verified_hours=D("4"))
    award, officer, *_ = published_award()
    active_contract(award, officer)  # no volunteer project: no note
    client.get(url)
    with CaptureQueriesContext(connection) as several:
        body = _body(client.get(url))
    assert body.count("data-volunteer-note") == 3 and "志愿服务项目 1 个 · 经核实时长 4 小时" in body
    assert len(one) == len(several)
