from io import StringIO

import pytest
from django.core.management import call_command

from accounts.roles import Role, user_has_role
from core.identity import id_number_is_valid, id_number_reveal
from volunteers.models import HourRecord, Need, SignUp, SocialWorker, Volunteer

pytestmark = pytest.mark.django_db


def test_demo_data_has_valid_volunteers_and_every_state():
    call_command("seed_demo", stdout=StringIO())
    assert Volunteer.objects.count() >= 300
    for volunteer in Volunteer.objects.order_by("?")[:20]:
        assert id_number_is_valid(id_number_reveal(volunteer.id_ciphertext))
    assert Volunteer.objects.filter(guardian_consent_at__isnull=False).exists()  # minors
    demo = Volunteer.objects.get(user__username="volunteer")
    assert demo.certificates.exists() and demo.trainings.exists() and demo.commendations.exists()
    assert demo.hour_records.filter(corrections__status="open").exists()
    worker = SocialWorker.objects.get(user__username="socialworker")
    assert (
        worker.teams.get(name="【演示】阳光志愿服务队").members.count() == 20
    )  # others: contracted projects
    assert user_has_role(worker.user, Role.SOCIAL_WORKER)
    assert not user_has_role(SocialWorker.objects.get(certificate_no="DEMO-SW-0002").user, Role.SOCIAL_WORKER)
    assert set(SignUp.objects.values_list("status", flat=True)) >= {
        "pending", "confirmed", "waitlisted", "cancelled", "attended", "no_show"
    }  # fmt: skip
    assert set(HourRecord.objects.values_list("status", flat=True)) >= {"pending", "verified", "rejected"}
    assert (
        HourRecord.objects.filter(auto_closed=True).exists()
        and HourRecord.objects.filter(is_manual=True).exists()
    )
    assert set(Need.objects.values_list("status", flat=True)) >= {"open", "cancelled"}
    assert Volunteer.objects.filter(verified_minutes__gte=100 * 60).count() >= 3
