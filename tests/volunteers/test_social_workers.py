import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role, user_has_role
from core.models import Notification
from tests.factories import UserFactory
from tests.volunteers.factories import social_worker
from volunteers.models import SocialWorkerLevel
from volunteers.services.social_workers import (
    education_record,
    social_worker_register,
    social_worker_renew,
    social_workers_expire,
    social_workers_remind,
)

pytestmark = pytest.mark.django_db


def fresh(user):
    user.__dict__.pop("_role_names_cache", None)
    return user


def test_registration_is_valid_three_years_and_grants_the_role(bureau_admin):
    user = UserFactory()
    worker = social_worker_register(
        actor=bureau_admin,
        user=user,
        real_name="社工甲",
        level=SocialWorkerLevel.ASSISTANT,
        certificate_no="ZS-2026-001",
        registered_on=datetime.date(2026, 3, 1),
    )
    assert worker.valid_until == datetime.date(2029, 2, 28)
    assert user_has_role(fresh(user), Role.SOCIAL_WORKER) == (timezone.localdate() <= worker.valid_until)


def test_only_a_bureau_admin_records_social_workers():
    with pytest.raises(PermissionDenied):
        social_worker_register(
            actor=UserFactory(),
            user=UserFactory(),
            real_name="x",
            level=SocialWorkerLevel.SENIOR,
            certificate_no="X1",
            registered_on=datetime.date(2026, 1, 1),
        )


def test_an_expired_registration_removes_the_role_once():
    worker = social_worker(registered_on=timezone.localdate() - datetime.timedelta(days=400))
    assert user_has_role(fresh(worker.user), Role.SOCIAL_WORKER)
    later = worker.valid_until + datetime.timedelta(days=1)
    assert social_workers_expire(today=later) == 1
    assert not user_has_role(fresh(worker.user), Role.SOCIAL_WORKER)
    assert social_workers_expire(today=later) == 0


@pytest.mark.parametrize(
    ("level", "required"),
    [
        (SocialWorkerLevel.ASSISTANT, 72),
        (SocialWorkerLevel.SOCIAL_WORKER, 90),
        (SocialWorkerLevel.SENIOR, 90),
    ],
)
def test_renewal_needs_the_continuing_education_hours_of_the_level(bureau_admin, level, required):
    worker = social_worker(level=level)
    education_record(
        actor=bureau_admin,
        worker=worker,
        course="继续教育",
        hours=Decimal(required - 1),
        taken_on=timezone.localdate(),
        issuer="市社工协会",
    )
    with pytest.raises(ValidationError):
        social_worker_renew(actor=bureau_admin, worker=worker)
    education_record(
        actor=bureau_admin,
        worker=worker,
        course="补课",
        hours=Decimal(1),
        taken_on=timezone.localdate(),
        issuer="x",
    )
    old_end = worker.valid_until
    renewed = social_worker_renew(actor=bureau_admin, worker=worker)
    assert renewed.registered_on == old_end + datetime.timedelta(days=1)


def test_expiry_reminders_are_sent_90_and_30_days_before_and_only_once():
    worker = social_worker()
    for days in (90, 30):
        today = worker.valid_until - datetime.timedelta(days=days)
        assert social_workers_remind(today=today) == 1
        assert social_workers_remind(today=today) == 0
    assert (
        Notification.objects.filter(recipient=worker.user, event="volunteers.social_worker_expiry").count()
        == 2
    )
    assert social_workers_remind(today=worker.valid_until - datetime.timedelta(days=45)) == 0
