import io

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import TEST_PASSWORD, UserFactory
from tests.volunteers.factories import ProjectFactory, VolunteerFactory
from tests.volunteers.helpers import served
from volunteers.pdf import certificate_pdf
from volunteers.services.certificates import (
    certificate_issue,
    certificate_lookup,
    masked_name,
    new_certificate_number,
)

pytestmark = pytest.mark.django_db


def issued(**kwargs):
    volunteer = VolunteerFactory(real_name="欧阳测试")
    project = ProjectFactory(responsible_person="负责人甲", contact_phone="025-12345678")
    _need, _v, _record, organizer = served(volunteer, project=project, minutes=150, title="社区助老服务")
    served(volunteer, project=project, minutes=30, title="社区助老服务二")
    certificate = certificate_issue(actor=volunteer.user, volunteer=volunteer, department=project.department)
    return certificate, volunteer, organizer


def test_certificate_freezes_identity_entries_total_and_issuer():
    certificate, volunteer, _organizer = issued()
    assert certificate.real_name == "欧阳测试"
    assert certificate.id_masked == volunteer.id_masked and "*" in certificate.id_masked
    assert certificate.volunteer_number == volunteer.number
    assert [e["need"] for e in certificate.entries] == ["社区助老服务", "社区助老服务二"]
    assert certificate.total_minutes == 180 and str(certificate.total_hours) == "3.00"
    assert certificate.responsible_person == "负责人甲"
    assert certificate.issued_on is not None


def test_only_verified_hours_are_certified():
    volunteer = VolunteerFactory()
    need, _v, _record, _organizer = served(volunteer, verify=False)
    with pytest.raises(ValidationError):
        certificate_issue(actor=volunteer.user, volunteer=volunteer, department=need.project.department)


def test_strangers_cannot_issue_a_certificate_for_someone():
    volunteer = VolunteerFactory()
    need, *_ = served(volunteer)
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=UserFactory(), volunteer=volunteer, department=need.project.department)


def test_certificate_numbers_are_random_and_not_sequential():
    numbers = {new_certificate_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(len(n) == 19 and n.count("-") == 3 for n in numbers)
    assert not set("01IO").intersection("".join(numbers))


def test_the_pdf_embeds_a_cjk_font_and_its_text_can_be_extracted():
    certificate, _volunteer, _organizer = issued()
    data = certificate_pdf(certificate)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for expected in (
        "欧阳测试",
        certificate.id_masked,
        certificate.volunteer_number,
        certificate.number,
        "社区助老服务",
        "3.00",
        "负责人甲",
    ):
        assert expected in text
    assert b"/FontFile2" in data


def test_a_missing_font_is_a_clear_configuration_error(settings):
    from reportlab.pdfbase import pdfmetrics

    certificate, *_ = issued()
    settings.VOLUNTEER_CERTIFICATE_FONT = "/nonexistent/font.ttc"
    registered = pdfmetrics._fonts.pop("CertificateCJK", None)
    try:
        with pytest.raises(ImproperlyConfigured, match="fonts-wqy-zenhei"):
            certificate_pdf(certificate)
    finally:
        if registered is not None:
            pdfmetrics._fonts["CertificateCJK"] = registered


def test_anyone_verifies_a_certificate_by_number_with_a_masked_name(client):
    certificate, *_ = issued()
    response = client.get(
        reverse("volunteers:certificate_verify"), {"number": certificate.number.lower().replace("-", "")}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert certificate.number in body and "欧**试" in body and "欧阳测试" not in body
    assert certificate.id_masked in body
    response = client.get(reverse("volunteers:certificate_verify"), {"number": "AAAA-BBBB-CCCC-DDDD"})
    assert certificate.number not in response.content.decode()
    assert certificate_lookup("short") is None


def test_masked_name():
    assert masked_name("张三") == "张*"
    assert masked_name("欧阳明华") == "欧**华"


def test_the_certificate_pages_are_for_the_volunteer_and_the_organizer_only(client):
    certificate, volunteer, _organizer = issued()
    url = reverse("volunteers:certificate_detail", args=[certificate.number])
    pdf_url = reverse("volunteers:certificate_pdf", args=[certificate.number])
    client.login(username=volunteer.user.username, password=TEST_PASSWORD)
    assert client.get(url).status_code == 200
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.login(username=UserFactory().username, password=TEST_PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(pdf_url).status_code == 404


def test_the_organizing_unit_sees_the_certificate(client):
    certificate, _volunteer, organizer = issued()
    client.login(username=organizer.username, password=TEST_PASSWORD)
    assert client.get(reverse("volunteers:certificate_detail", args=[certificate.number])).status_code == 200
