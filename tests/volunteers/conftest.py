import pytest

from accounts.roles import Role
from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory


@pytest.fixture
def bureau_admin(db):
    return UserFactory(roles=[Role.BUREAU_ADMIN])


@pytest.fixture
def need(db):
    return NeedFactory()


@pytest.fixture
def organizer(need):
    """A staff user of the bureau unit that owns `need`'s project."""
    return UserFactory(department=need.project.department)


@pytest.fixture
def slot(need):
    return need.slots.get()
