"""A NUL byte anywhere a user can type it in a URL or a plain form answers 400 with the Chinese
"bad request" page, never a 500 from the database (PostgreSQL refuses NUL in text)."""

import pytest
from django.urls import reverse

from procurement.models import PublicReport

pytestmark = pytest.mark.django_db

URLS = [
    "/orgs/?q=%00",
    "/orgs/%00/",
    "/procurement/reports/track/%00/",
    "/procurement/survey/%00/",
    "/volunteers/certificates/%00/",
    "/volunteers/certificates/%00/pdf/",
    "/orgs/?q=a%01b",
    "/orgs/?%00=1",
]


@pytest.mark.parametrize("url", URLS)
def test_a_control_character_in_the_url_answers_400_in_chinese(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "请求" in response.content.decode()


def test_a_control_character_in_a_url_encoded_form_answers_400_and_writes_nothing(client):
    response = client.post(
        reverse("procurement:public_report_file"),
        "target_kind=tender&target_reference=MZ%00&description=x%00y",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not PublicReport.objects.exists()


def test_a_nul_in_a_multipart_form_is_a_form_error_and_writes_nothing(client):
    """Multipart bodies are left to the forms (Django's CharField refuses NUL characters)."""
    response = client.post(
        reverse("procurement:public_report_file"),
        {"target_kind": "tender", "target_reference": "MZ-1", "description": "x\x00y" * 10},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"]
    assert not PublicReport.objects.exists()


def test_ordinary_text_with_tabs_and_newlines_passes(client):
    assert client.get("/orgs/?q=%E5%85%BB%E8%80%81%09").status_code == 200
