from decimal import Decimal

import pytest
from django.urls import reverse

from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_directory_detail_shows_registered_capital_with_thousands_separators(client):
    org = OrganizationFactory(registered_capital=Decimal("1000000"))
    response = client.get(reverse("orgs:directory_detail", args=[org.uscc]))
    assert response.status_code == 200
    assert "1,000,000.00" in response.content.decode()
