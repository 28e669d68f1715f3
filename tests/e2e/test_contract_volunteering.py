"""Journey (issue 15, points 1–3), in a real browser at 1280 and 375 px, in Chinese: a contract whose
supplier runs a volunteer project (two volunteers, 3 verified hours) and which has a target of 10
volunteer hours. The officer's contract page shows the volunteer figures and the target's progress
(30%); the officer opens the final evaluation, whose page shows the participation next to the targets
and the volunteering criterion (configured at 10%) with its score; the supplier's member is offered the
volunteers app's links; the public contract page shows the same figures and no name. Every page:
screenshot, axe-core, link check, no page wider than the screen."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from procurement.contracts.services.amendments import contract_amend
from tests.volunteers.contracted_helpers import contracted, in_term, project_of
from tests.volunteers.factories import VolunteerFactory
from volunteers.services.hours import hours_manual_entry, hours_verify
from volunteers.services.needs import need_create
from volunteers.services.signups import signup_apply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def step(journey, page, name: str) -> None:
    journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"


def setup_contract():
    s = contracted()
    contract_amend(
        actor=s.officer, contract=s.contract, reason="增加志愿服务时长目标",
        add_targets=[{"name": "志愿服务时长", "measure": "全年不少于 10 小时", "weight": "20", "volunteer_hours_goal": "10"}],
    )  # fmt: skip
    project = project_of(s, "长者关爱志愿服务")
    need = need_create(
        actor=s.supplier, project=project, title="陪伴长者散步", role="陪伴", service_type=None, district=None,
        address="幸福路1号", headcount=5, signup_closes_at=in_term(2), slots=[(in_term(7), in_term(7, 12))],
    )  # fmt: skip
    slot = need.slots.get()
    volunteers = [VolunteerFactory(), VolunteerFactory()]
    signups = [signup_apply(actor=v.user, slot=slot) for v in volunteers]
    now = datetime.datetime.now(datetime.UTC)
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=4), now - datetime.timedelta(hours=1)
    slot.save()
    for signup in signups:
        hours_verify(actor=s.supplier, record=hours_manual_entry(actor=s.supplier, signup=signup, minutes=90))
    return s, volunteers


def figures(page) -> list[str]:
    return [
        page.inner_text(f"[data-participation-{name}]")
        for name in ("projects", "needs", "signups", "hours", "volunteers")
    ]


def test_the_contract_and_evaluation_pages_show_volunteer_participation(
    page, new_page, login, journey, settings
):
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    s, volunteers = setup_contract()
    detail = reverse("procurement:contract_detail", args=[s.contract.pk])

    # The purchasing unit's officer: the contract page, the participation and the target's progress.
    login(page, s.officer)
    page.goto(detail)
    assert figures(page) == ["1", "1", "2", "3", "2"]
    assert "已核实志愿服务时长 3 / 10 小时（30%）" in page.inner_text("[data-hours-progress]")
    assert "志愿服务参与情况" in page.inner_text("main")
    step(journey, page, "contract page officer")

    # The officer opens the final evaluation: participation next to the targets, the criterion.
    page.goto(reverse("procurement:evaluation_open", args=[s.contract.pk]))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert re.search(r"/staff/evaluations/\d+/$", page.url), page.url
    main = page.inner_text("main")
    assert "志愿服务参与 10.00%" in page.inner_text("[data-weights]")
    assert "已核实志愿服务时长 3 / 10 小时（30%）" in main and "当前得分：30.00。" in main
    assert figures(page) == ["1", "1", "2", "3", "2"]
    step(journey, page, "evaluation page")

    # The supplier's member: the same figures and the volunteers app's links.
    member = new_page()
    login(member, s.supplier)
    member.goto(detail)
    assert figures(member) == ["1", "1", "2", "3", "2"]
    links = member.inner_text("[data-participation-links]")
    assert "为此合同创建志愿服务项目" in links
    step(journey, member, "contract page supplier")

    # The public contract page: the figures, the progress, no volunteer's name.
    public = new_page()
    public.goto(reverse("procurement:contract_public_detail", args=[s.contract.pk]))
    assert figures(public) == ["1", "1", "2", "3", "2"]
    assert "30%" in public.inner_text("[data-hours-progress]")
    text = public.inner_text("main")
    for volunteer in volunteers:
        if volunteer.user.display_name:
            assert volunteer.user.display_name not in text
    step(journey, public, "public contract page")
