"""Organizer pages: projects, needs with their slots, accident insurance with its document,
cancellation with a confirmation step, the printable check-in QR code, invitations that keep their
score explanation."""

import datetime
from pathlib import Path

import pytest
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import Event
from core.models import District, Document
from tests.factories import DistrictFactory, UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory, service_type
from tests.volunteers.test_views import login
from volunteers import matching
from volunteers.models import Invitation, Need, NeedStatus, RiskLevel, ServiceProject, SignUpStatus, Skill
from volunteers.services.needs import need_record_insurance
from volunteers.services.signups import signup_apply
from volunteers.views_manage import qr_svg

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="保单.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def day_after(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def org_project(**kwargs):
    organization = OrganizationFactory()
    return ProjectFactory(organization=organization, department=None, **kwargs), member(organization)


# --- projects ---------------------------------------------------------------------------------


def test_an_organization_member_creates_a_project_for_their_verified_organization(client):
    organization = OrganizationFactory()
    user = member(organization)
    login(client, user)
    response = client.post(
        reverse("volunteers:project_create"),
        {"owner": f"org:{organization.pk}", "title": "社区助老", "responsible_person": "王五"},
    )
    project = ServiceProject.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "volunteers:need_create", args=[project.pk]
    )
    assert project.organization == organization and project.department is None
    assert Event.objects.filter(action="volunteer_project.create", object_id=str(project.pk)).exists()


def test_bureau_unit_staff_create_a_project_for_their_unit(client):
    staff = UserFactory(department=ProjectFactory().department)
    login(client, staff)
    client.post(
        reverse("volunteers:project_create"),
        {"owner": f"dept:{staff.department_id}", "title": "防汛志愿", "responsible_person": "赵六"},
    )
    assert ServiceProject.objects.filter(department=staff.department, title="防汛志愿").exists()


def test_someone_who_organizes_nothing_cannot_open_the_project_form(client):
    login(client, UserFactory())
    assert client.get(reverse("volunteers:project_create")).status_code == 404


def test_a_project_for_another_organization_is_a_form_error_and_writes_nothing(client):
    mine, other = OrganizationFactory(), OrganizationFactory()
    login(client, member(mine))
    response = client.post(
        reverse("volunteers:project_create"),
        {"owner": f"org:{other.pk}", "title": "冒名项目", "responsible_person": "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not ServiceProject.objects.exists()


def test_the_organizer_edits_a_project_and_the_change_is_audited(client):
    project, user = org_project()
    login(client, user)
    response = client.post(
        reverse("volunteers:project_edit", args=[project.pk]),
        {"title": "新名称", "responsible_person": "新负责人", "contact_phone": "025-83001111"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.responsible_person) == ("新名称", "新负责人")
    event = Event.objects.get(action="volunteer_project.update")
    assert event.after["title"] == "新名称" and event.before["title"] != "新名称"


def test_another_organization_cannot_edit_the_project(client):
    project, _user = org_project()
    login(client, member(OrganizationFactory()))
    url = reverse("volunteers:project_edit", args=[project.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x", "responsible_person": "y"}).status_code == 404
    assert ServiceProject.objects.get().title == project.title


def test_a_blank_project_title_is_a_form_error(client):
    project, user = org_project()
    login(client, user)
    response = client.post(
        reverse("volunteers:project_edit", args=[project.pk]), {"title": "  ", "responsible_person": "y"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    project.refresh_from_db()
    assert project.title.strip()


# --- needs ------------------------------------------------------------------------------------


def need_post(**overrides):
    data = {
        "title": "周末助老",
        "role": "陪伴",
        "service_type": service_type().pk,
        "skills": "陪伴，聊天",
        "district": (District.objects.first() or DistrictFactory()).pk,
        "address": "幸福路1号",
        "headcount": "3",
        "min_age": "18",
        "risk_level": RiskLevel.LOW,
        "signup_closes_at": f"{day_after(5)}T18:00",
        "slots": f"{day_after(7)} 09:00-12:00\n{day_after(8)} 14:00-17:00",
    }
    data.update(overrides)
    return data


def test_the_organizer_posts_a_need_with_its_time_slots(client):
    project, user = org_project()
    login(client, user)
    response = client.post(reverse("volunteers:need_create", args=[project.pk]), need_post())
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == reverse("volunteers:manage_need", args=[need.pk])
    slots = list(need.slots.order_by("starts_at"))
    assert [(timezone.localtime(s.starts_at).hour, s.headcount) for s in slots] == [(9, 3), (14, 3)]
    assert set(need.skills.values_list("name", flat=True)) == {"陪伴", "聊天"}
    assert need.created_by == user


def test_a_counselling_need_posted_on_the_site_always_requires_qualification_and_approval(client):
    project, user = org_project()
    login(client, user)
    client.post(
        reverse("volunteers:need_create", args=[project.pk]),
        need_post(service_type=service_type("counselling").pk),
    )
    need = Need.objects.get()
    assert need.requires_qualification and need.requires_approval


def test_a_stranger_cannot_post_a_need_on_the_project(client):
    project, _user = org_project()
    login(client, member(OrganizationFactory()))
    assert client.post(reverse("volunteers:need_create", args=[project.pk]), need_post()).status_code == 404
    assert not Need.objects.exists()


def test_a_badly_written_slot_is_a_form_error_naming_its_line(client):
    project, user = org_project()
    login(client, user)
    response = client.post(
        reverse("volunteers:need_create", args=[project.pk]),
        need_post(slots=f"{day_after(7)} 09:00-12:00\n明天上午"),
    )
    assert response.status_code == 200
    assert "2" in response.context["form"].errors["slots"][0]
    assert not Need.objects.exists()


def test_a_service_refusal_is_a_form_error_and_leaves_no_need_and_no_new_skill(client):
    project, user = org_project()
    login(client, user)
    response = client.post(
        reverse("volunteers:need_create", args=[project.pk]),
        need_post(signup_closes_at=f"{day_after(9)}T18:00", skills="新技能甲"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["signup_closes_at"]
    assert not Need.objects.exists() and not Skill.objects.filter(name="新技能甲").exists()


# --- insurance --------------------------------------------------------------------------------


def test_the_organizer_records_the_insurance_with_the_policy_document(client):
    need = NeedFactory(risk_level=RiskLevel.HIGH)
    organizer = UserFactory(department=need.project.department)
    login(client, organizer)
    response = client.post(
        reverse("volunteers:need_insurance", args=[need.pk]),
        {"policy_no": "PA-2026-01", "insurer": "某保险公司", "document": pdf()},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.has_insurance and need.insurance_policy_no == "PA-2026-01"
    document = Document.objects.get()
    assert document.owner == need
    download = reverse("core:document_download", args=[document.public_id])
    assert client.get(download).status_code == 200
    page = client.get(reverse("volunteers:manage_need", args=[need.pk])).content.decode()
    assert download in page
    client.logout()
    login(client, UserFactory())
    assert client.get(download).status_code == 404


def test_a_stranger_cannot_record_insurance(client):
    need = NeedFactory(risk_level=RiskLevel.HIGH)
    login(client, UserFactory())
    response = client.post(
        reverse("volunteers:need_insurance", args=[need.pk]),
        {"policy_no": "X", "insurer": "Y", "document": pdf()},
    )
    assert response.status_code == 404
    need.refresh_from_db()
    assert not need.has_insurance and not Document.objects.exists()


def test_a_disguised_file_is_a_form_error_and_records_no_insurance(client):
    need = NeedFactory(risk_level=RiskLevel.HIGH)
    login(client, UserFactory(department=need.project.department))
    response = client.post(
        reverse("volunteers:need_insurance", args=[need.pk]),
        {
            "policy_no": "PA-1",
            "insurer": "某保险公司",
            "document": SimpleUploadedFile("policy.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["document"]
    need.refresh_from_db()
    assert not need.has_insurance


def test_the_insurance_service_records_nothing_when_the_document_is_refused():
    need = NeedFactory(risk_level=RiskLevel.HIGH)
    organizer = UserFactory(department=need.project.department)
    with pytest.raises(ValidationError):
        need_record_insurance(
            actor=organizer,
            need=need,
            policy_no="PA-1",
            insurer="某保险公司",
            document_file=SimpleUploadedFile("policy.pdf", b"#!/bin/sh\nrm -rf /"),
        )
    need.refresh_from_db()
    assert not need.has_insurance and not Document.objects.exists()
    assert not Event.objects.filter(action="volunteer_need.insurance").exists()


# --- cancellation -----------------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_first(client):
    need = NeedFactory()
    signup = signup_apply(actor=VolunteerFactory().user, slot=need.slots.get())
    login(client, UserFactory(department=need.project.department))
    url = reverse("volunteers:need_cancel", args=[need.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["affected"] == 1
    response = client.post(url, {"reason": "天气原因"})
    assert response.status_code == 200 and response.context["form"].errors["confirm"]
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    response = client.post(url, {"reason": "天气原因", "confirm": "on"})
    assert response.status_code == 302
    need.refresh_from_db()
    signup.refresh_from_db()
    assert need.status == NeedStatus.CANCELLED and need.cancel_reason == "天气原因"
    assert signup.status == SignUpStatus.CANCELLED


def test_a_stranger_cannot_cancel_a_need(client):
    need = NeedFactory()
    login(client, member(OrganizationFactory()))
    url = reverse("volunteers:need_cancel", args=[need.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


# --- the check-in QR page ---------------------------------------------------------------------


def test_the_qr_page_shows_an_inline_svg_of_the_slot_check_in_link(client):
    need = NeedFactory()
    slot = need.slots.get()
    login(client, UserFactory(department=need.project.department))
    response = client.get(reverse("volunteers:slot_qr", args=[slot.pk]))
    assert response.status_code == 200
    url = f"http://testserver{reverse('volunteers:check_in', args=[slot.pk])}?code={slot.checkin_code}"
    assert response.context["url"] == url
    page = response.content.decode()
    assert "<svg" in page and str(qr_svg(url)) in page and slot.checkin_code in page
    # printed without the site's header and footer: the print rules of site.css for this body class
    # (a stylesheet, not a <style> block, under the Content-Security-Policy)
    assert 'class="qr-print"' in page and "<style" not in page
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    assert ".qr-print .site-header" in print_rules and ".qr-print .site-footer" in print_rules
    assert "http" not in str(qr_svg(url)).replace("http://www.w3.org", "")  # nothing fetched from outside


def test_the_qr_code_encodes_exactly_the_check_in_link():
    url = "http://testserver/volunteers/slots/7/check-in/?code=123456"
    assert str(qr_svg(url)) == segno.make(url, error="m").svg_inline(scale=8, border=2)


def test_a_stranger_cannot_open_the_qr_page(client):
    slot = NeedFactory().slots.get()
    login(client, UserFactory())
    assert client.get(reverse("volunteers:slot_qr", args=[slot.pk])).status_code == 404


# --- invitations keep their score ------------------------------------------------------------


def test_an_invitation_keeps_the_score_explanation_and_the_organizer_sees_it(client):
    need = NeedFactory()
    slot = need.slots.get()
    volunteer = VolunteerFactory()
    login(client, UserFactory(department=need.project.department))
    response = client.post(reverse("volunteers:slot_matches", args=[slot.pk]), {"volunteer": volunteer.pk})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert set(invitation.score["parts"]) == {"skills", "interest", "district", "availability", "reliability"}
    assert invitation.score["total"] and "penalty_reasons" in invitation.score
    page = client.get(reverse("volunteers:manage_need", args=[need.pk])).content.decode()
    page = page[page.index("<main") :]  # in the page body, not in its title
    with translation.override("zh-hans"):
        label = str(matching.PART_LABELS["availability"])
    assert invitation.score["total"] in page and label in page


def test_a_stranger_cannot_invite_from_the_suggestions_page(client):
    slot = NeedFactory().slots.get()
    login(client, UserFactory())
    response = client.post(
        reverse("volunteers:slot_matches", args=[slot.pk]), {"volunteer": VolunteerFactory().pk}
    )
    assert response.status_code == 404 and not Invitation.objects.exists()


# --- list pages: constant queries ----------------------------------------------------------


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_project_list_issues_the_same_queries_for_5_and_50_projects(client):
    staff = UserFactory(department=ProjectFactory().department)
    login(client, staff)
    url = reverse("volunteers:project_list")
    for _ in range(4):
        NeedFactory(project=ProjectFactory(department=staff.department))
    small = queries(client, url)
    for _ in range(45):
        NeedFactory(project=ProjectFactory(department=staff.department))
    assert queries(client, url) == small


def test_the_managed_needs_list_issues_the_same_queries_for_5_and_50_needs(client):
    project = ProjectFactory()
    login(client, UserFactory(department=project.department))
    url = reverse("volunteers:manage_needs")
    for index in range(5):
        NeedFactory(project=project, risk_level=RiskLevel.HIGH if index % 2 else RiskLevel.LOW)
    small = queries(client, url)
    for index in range(45):
        NeedFactory(project=project, risk_level=RiskLevel.HIGH if index % 2 else RiskLevel.LOW)
    assert queries(client, url) == small


def test_the_invitations_on_the_need_page_issue_constant_queries(client):
    need = NeedFactory(headcount=50)
    slot = need.slots.get()
    organizer = UserFactory(department=need.project.department)
    login(client, organizer)
    url = reverse("volunteers:manage_need", args=[need.pk])

    def invite(n):
        for _ in range(n):
            Invitation.objects.create(
                slot=slot, volunteer=VolunteerFactory(), invited_by=organizer, score={"total": "50.00"}
            )

    invite(5)
    small = queries(client, url)
    invite(45)
    assert queries(client, url) == small
