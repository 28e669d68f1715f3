"""Wagtail's chooser "chosen" views answer 404, not 500, for an id that is not a number; a real id
still reaches Wagtail's view."""

import pytest

from tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/cms-admin/snippets/choose/core/district/chosen/{}/",
    "/cms-admin/snippets/choose/core/servicecategory/chosen/{}/",
    "/cms-admin/documents/chooser/chosen/{}/",
    "/cms-admin/images/chooser/chosen/{}/",
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("pk", ["abc", "1x", "%20"])
def test_a_non_numeric_id_is_not_found(admin_client, url, pk):
    assert admin_client.get(url.format(pk)).status_code == 404


def test_a_numeric_id_reaches_wagtail(admin_client):
    district = DistrictFactory()
    response = admin_client.get(URLS[0].format(district.pk))
    assert response.status_code == 200
    assert response.json()["step"] == "chosen"
    assert admin_client.get(URLS[0].format(999999)).status_code == 404
