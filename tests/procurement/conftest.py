import pytest

from accounts.roles import Role
from tests.factories import staff_user
from tests.procurement.factories import make_tender, officer_for


@pytest.fixture
def approver():
    return staff_user(Role.BUREAU_APPROVER)


@pytest.fixture
def tender():
    return make_tender()


@pytest.fixture
def officer(tender):
    return officer_for(tender.department)
