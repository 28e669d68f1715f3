import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role, user_has_role
from audit.models import Event
from core.identity import id_number_check_char, id_number_hmac, id_number_reveal
from tests.factories import UserFactory
from tests.volunteers.factories import birth_for_age, make_id_number, service_type
from volunteers.models import OrganizationVolunteer, Volunteer
from volunteers.services.registration import (
    ImportRowErrors,
    Registration,
    volunteer_import,
    volunteer_register,
)

pytestmark = pytest.mark.django_db


def data(**overrides) -> Registration:
    values = dict(
        real_name="测试甲",
        id_number=make_id_number(7, datetime.date(1990, 5, 17)),
        phone="13900001111",
        emergency_name="测试乙",
        emergency_phone="13900002222",
        skills=["急救", "摄影"],
        availability=[(5, datetime.time(9), datetime.time(17))],
        languages=["普通话"],
    )
    values.update(overrides)
    return Registration(**values)


def test_the_number_carries_the_local_year_of_registration():
    """01:00 on 1 January in Shanghai is still 31 December in UTC: the number carries the local year,
    for a volunteer who registers and for one an organization imports."""
    import time_machine

    from tests.orgs.factories import OrganizationFactory, member

    organization = OrganizationFactory()
    with time_machine.travel(datetime.datetime.fromisoformat("2027-01-01T01:00:00+08:00"), tick=False):
        volunteer = volunteer_register(actor=UserFactory(), data=data())
        imported = volunteer_import(
            actor=member(organization),
            organization=organization,
            rows=[(2, data(id_number=make_id_number(8, datetime.date(1991, 1, 1)), real_name="测试丙"))],
        )
    assert volunteer.number == f"ZY2027{volunteer.pk:07d}"
    assert Volunteer.objects.get(pk=imported[0].pk).number == f"ZY2027{imported[0].pk:07d}"


def test_registration_stores_only_ciphertext_hash_birth_date_and_mask_and_issues_a_number():
    user = UserFactory()
    number = make_id_number(7, datetime.date(1990, 5, 17))
    volunteer = volunteer_register(actor=user, data=data(service_types=[service_type()]))
    assert volunteer.number.startswith("ZY") and len(volunteer.number) == 13
    assert volunteer.id_masked == number[:4] + "*" * 10 + number[-4:]
    assert volunteer.id_hmac == id_number_hmac(number)
    assert volunteer.birth_date == datetime.date(1990, 5, 17)
    assert number not in volunteer.id_ciphertext
    assert id_number_reveal(volunteer.id_ciphertext) == number
    assert sorted(s.name for s in volunteer.skills.all()) == ["急救", "摄影"]
    assert volunteer.availability.get().weekday == 5
    assert user_has_role(user, Role.VOLUNTEER)
    assert Event.objects.filter(action="volunteer.register", object_id=str(volunteer.pk)).exists()


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # too short
        "110105194902300024",  # 30 February
    ],
)
def test_invalid_id_numbers_are_refused_with_a_message_on_the_field(raw):
    with pytest.raises(ValidationError) as exc:
        volunteer_register(actor=UserFactory(), data=data(id_number=raw))
    assert "id_number" in exc.value.message_dict
    assert not Volunteer.objects.exists()


def test_future_birth_date_is_refused():
    first17 = f"320102{datetime.date.today().year + 1}0101001"
    with pytest.raises(ValidationError):
        volunteer_register(actor=UserFactory(), data=data(id_number=first17 + id_number_check_char(first17)))


def test_the_rules_md_example_number_is_accepted():
    volunteer = volunteer_register(actor=UserFactory(), data=data(id_number="11010519491231002x"))
    assert volunteer.id_masked == "1101**********002X"


def test_the_same_id_number_registers_once():
    volunteer_register(actor=UserFactory(), data=data())
    with pytest.raises(ValidationError) as exc:
        volunteer_register(actor=UserFactory(), data=data())
    assert "id_number" in exc.value.message_dict


def test_a_minor_needs_a_guardian_and_consent():
    minor = make_id_number(8, birth_for_age(16))
    with pytest.raises(ValidationError) as exc:
        volunteer_register(actor=UserFactory(), data=data(id_number=minor))
    assert {"guardian_name", "guardian_consent"} <= set(exc.value.message_dict)
    volunteer = volunteer_register(
        actor=UserFactory(),
        data=data(
            id_number=minor,
            guardian_name="家长",
            guardian_phone="13900003333",
            guardian_relation="父亲",
            guardian_consent=True,
            public_name=True,
        ),
    )
    assert volunteer.is_minor and not volunteer.is_sensitive_minor
    assert volunteer.guardian_consent_at is not None
    assert volunteer.public_name is True


def test_under_14_nothing_is_public_and_the_guardian_is_the_emergency_contact():
    child = make_id_number(9, birth_for_age(12))
    guardian = dict(
        guardian_name="家长", guardian_phone="13900003333", guardian_relation="母亲", guardian_consent=True
    )
    with pytest.raises(ValidationError) as exc:
        volunteer_register(actor=UserFactory(), data=data(id_number=child, **guardian))
    assert "emergency_phone" in exc.value.message_dict
    volunteer = volunteer_register(
        actor=UserFactory(),
        data=data(
            id_number=child, emergency_phone="13900003333", public_name=True, public_hours=True, **guardian
        ),
    )
    assert volunteer.is_sensitive_minor
    assert volunteer.public_name is False and volunteer.public_hours is False


def test_an_adult_registration_keeps_no_guardian_data():
    volunteer = volunteer_register(
        actor=UserFactory(), data=data(guardian_name="某人", guardian_consent=True)
    )
    assert volunteer.guardian_name == "" and volunteer.guardian_consent_at is None


def test_organization_import_is_all_or_nothing_and_reports_every_bad_row():
    from tests.orgs.factories import OrganizationFactory, member

    organization = OrganizationFactory()
    actor = member(organization)
    rows = [
        (2, data(id_number=make_id_number(11))),
        (3, data(id_number="110105194912310021")),
        (4, data(id_number=make_id_number(11), real_name="")),
    ]
    with pytest.raises(ImportRowErrors) as exc:
        volunteer_import(actor=actor, organization=organization, rows=rows)
    bad_rows = [row for row, _messages in exc.value.row_errors]
    assert bad_rows == [3, 4]
    assert "第3行" in exc.value.messages[0]
    assert not Volunteer.objects.exists()

    created = volunteer_import(
        actor=actor,
        organization=organization,
        rows=[(2, data(id_number=make_id_number(11))), (3, data(id_number=make_id_number(12)))],
    )
    assert len(created) == 2
    assert OrganizationVolunteer.objects.filter(organization=organization).count() == 2
    assert all(not v.user.has_usable_password() for v in created)
    from audit.models import Event

    # one event stands for the file: its accounts, numbers and a digest of the rows (issue 17)
    event = Event.objects.get(action="volunteer.import")
    assert event.after["count"] == 2
    assert sorted(event.after["accounts"]) == sorted(v.user_id for v in created)
    assert sorted(event.after["numbers"]) == sorted(v.number for v in created)
    assert len(event.after["digest"]) == 64
    assert all(v.user.groups.filter(name="volunteer").exists() for v in created)


def test_only_members_of_the_organization_import_its_volunteers():
    from django.core.exceptions import PermissionDenied

    from tests.orgs.factories import OrganizationFactory

    with pytest.raises(PermissionDenied):
        volunteer_import(actor=UserFactory(), organization=OrganizationFactory(), rows=[(2, data())])


def test_a_citizen_signs_up_and_registers_as_a_volunteer_through_the_site(client):
    password = "Qing-shan-2026!"
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "xinren",
            "phone": "13900003333",
            "password1": password,
            "password2": password,
            "consent": "on",
        },
    )
    assert response.url == reverse("volunteers:register")
    number = make_id_number(9, datetime.date(1995, 3, 3))
    response = client.post(
        reverse("volunteers:register"),
        {
            "real_name": "新人",
            "id_number": number,
            "phone": "13900003333",
            "emergency_name": "家人",
            "emergency_phone": "13900004444",
            "available_from": "09:00",
            "available_to": "17:00",
        },
    )
    assert response.status_code == 302 and response.url == reverse("volunteers:me")
    volunteer = Volunteer.objects.get(user__username="xinren")
    assert user_has_role(volunteer.user, Role.VOLUNTEER)
