"""Journey (c), contracted (issue 15), in a real browser at 1280 and 375 px: a member of the supplier
of a published purchased-service contract goes from the contract's page to "create a volunteer
project under this contract", opens one with its team led by the social worker named on the
contract, and posts a need that takes the contract's service type and district; a registered
volunteer finds the need, sees which purchased service it belongs to and signs up; after the service
the supplier verifies the hours on its queue; the public contract page, reached from the need page,
shows the verified volunteer hours. Every page visited: screenshot, axe-core, link check."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.volunteers.contracted_helpers import contracted
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import HourRecord, HourStatus, NeedSlot, ServiceProject, SignUp, SignUpStatus
from volunteers.services.hours import hours_manual_entry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def go(page, selector: str, path: str) -> None:
    page.click(selector)
    page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))


def submit(page, selector: str = "main form.form button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_contracted_projects_volunteer_hours_reach_the_public_contract_page(page, new_page, login, journey):
    s = contracted()
    contract = s.contract
    supplier = s.supplier

    # --- The supplier's member opens the contract and creates a project under it. ---------------
    login(page, supplier)
    page.goto(reverse("procurement:contract_detail", args=[contract.pk]))
    journey.step(page, "contract page")
    create = reverse("volunteers:contracted_project_create", args=[contract.pk])
    go(page, f"main a[href='{create}']", create)
    assert s.worker.real_name in page.inner_text("select[name=leader]")
    journey.step(page, "new contracted project")
    page.fill("input[name=title]", "2026年玄武区长者陪伴志愿服务")
    page.fill("input[name=responsible_person]", "王主任")
    page.select_option("select[name=leader]", str(s.worker.pk))
    submit(page)
    project = ServiceProject.objects.get(contract=contract)
    assert project.team.leader == s.worker
    assert page.url.endswith(reverse("volunteers:need_create", args=[project.pk])), page.url
    # the contract's service type and district are already chosen
    assert page.input_value("select[name=district]") == str(s.district.pk)
    assert page.input_value("select[name=service_type]") != ""
    journey.step(page, "post a need")

    # --- Posts a need within the contract's term. --------------------------------------------------
    day = timezone.localdate() + datetime.timedelta(days=5)
    page.fill("input[name=title]", "独居长者周末陪伴")
    page.fill("input[name=role]", "陪伴聊天、读报")
    page.fill("input[name=address]", "玄武区中山路8号 社区养老服务站")
    page.fill("input[name=headcount]", "4")
    page.fill("input[name=signup_closes_at]", f"{day - datetime.timedelta(days=1):%Y-%m-%d}T18:00")
    page.fill("textarea[name=slots]", f"{day:%Y-%m-%d} 09:00-12:00")
    submit(page)
    need = project.needs.get()
    slot = need.slots.get()
    assert need.district == s.district
    journey.step(page, "need posted")
    detail = reverse("volunteers:project_detail", args=[project.pk])
    page.goto(detail)
    assert s.worker.real_name in page.inner_text("main"), "the project page shows the team lead"
    journey.step(page, "project page")

    # --- A registered volunteer finds the need and signs up. -------------------------------------
    volunteer = VolunteerFactory(real_name="陈晓明")
    citizen = new_page()
    login(citizen, volunteer.user)
    citizen.goto(reverse("volunteers:need_list"))
    need_url = reverse("volunteers:need_detail", args=[need.pk])
    go(citizen, f"main a[href='{need_url}']", need_url)
    public_contract = reverse("procurement:contract_public_detail", args=[contract.pk])
    assert citizen.locator(f"main a[href='{public_contract}']").count() == 1, "the purchased service"
    assert "所属购买服务" in citizen.inner_text("main")
    journey.step(citizen, "need of a contracted project")
    submit(citizen, f"form[action='{reverse('volunteers:slot_apply', args=[slot.pk])}'] button[type=submit]")
    signup = SignUp.objects.get(slot=slot, volunteer=volunteer)
    assert signup.status == SignUpStatus.CONFIRMED
    journey.step(citizen, "signed up")

    # Setup: the day comes and goes (still within the contract's term); the supplier records the
    # three hours served (the check-in itself is shown by the certificate journey).
    now = timezone.now()
    NeedSlot.objects.filter(pk=slot.pk).update(
        starts_at=now - datetime.timedelta(hours=4), ends_at=now - datetime.timedelta(hours=1)
    )
    record = hours_manual_entry(actor=supplier, signup=signup, minutes=180)

    # --- The supplier verifies the hours on its queue. --------------------------------------------
    queue = reverse("volunteers:hours_queue")
    page.goto(queue)
    assert "陈晓明" in page.inner_text("main")
    journey.step(page, "hours to verify")
    submit(page, f"form[action='{reverse('volunteers:hours_decide', args=[record.pk])}'] button[value='1']")
    record.refresh_from_db()
    assert record.status == HourStatus.VERIFIED
    assert HourRecord.objects.filter(slot__need__project__contract=contract, status="verified").count() == 1

    # --- The public contract page, from the need page, shows the verified hours. ------------------
    stranger = new_page()
    stranger.goto(need_url)
    go(stranger, f"main a[href='{public_contract}']", public_contract)
    assert stranger.inner_text("[data-participation-hours]").strip() == "3"
    assert stranger.inner_text("[data-participation-volunteers]").strip() == "1"
    text = stranger.inner_text("main")
    assert "陈晓明" not in text and "陈*明" not in text, "figures only, never a name"
    journey.step(stranger, "public contract with volunteer hours")
    # the supplier's contract page shows them too, with its links
    page.goto(reverse("procurement:contract_detail", args=[contract.pk]))
    assert page.inner_text("[data-participation-hours]").strip() == "3"
    journey.step(page, "contract page with volunteer hours")
    projects = reverse("volunteers:contract_projects", args=[contract.pk])
    go(page, f"main a[href='{projects}']", projects)
    row = page.inner_text("main table")
    assert "2026年玄武区长者陪伴志愿服务" in row and s.worker.real_name in row and "3" in row
    journey.step(page, "projects of the contract")
    # the organization's project list offers the contract too
    page.goto(reverse("volunteers:project_list"))
    assert page.locator(f"main a[href='{create}']").count() == 1
    journey.step(page, "my projects with the contract")
