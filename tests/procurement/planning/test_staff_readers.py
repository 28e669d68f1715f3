import pytest

from accounts.roles import Role
from procurement.planning.selectors import plans_for_staff
from procurement.tendering.selectors import tenders_for_staff
from tests.factories import staff_user
from tests.procurement.factories import make_tender, officer_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.BUREAU_APPROVER])
def test_supervisors_and_approvers_read_every_departments_tenders(client, role):
    tender = make_tender()
    reader = staff_user(role)
    assert reader.department_id != tender.department_id
    assert tender in tenders_for_staff(reader)
    assert tender.budget_line.plan in plans_for_staff(reader)
    client.force_login(reader)
    response = client.get("/cms-admin/procurement/tenders/")
    assert response.status_code == 200
    assert tender.title in response.content.decode()


def test_officers_read_only_their_departments_tenders():
    tender = make_tender()
    own = officer_for(tender.department)
    other = staff_user(Role.PROCUREMENT_OFFICER)
    assert tender in tenders_for_staff(own)
    assert tender not in tenders_for_staff(other)
