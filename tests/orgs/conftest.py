import pytest

from tests.orgs.factories import registry_admin


@pytest.fixture
def registry(db):
    return registry_admin()
