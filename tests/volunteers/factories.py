"""Factories of volunteering. ID numbers are generated with the real check-digit algorithm from
fixed, clearly fake sequences (never real people's)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.roles import Role
from core.identity import id_number_check_char, id_number_protect
from core.models import District, VolunteerServiceType
from tests.factories import DepartmentFactory, DistrictFactory, UserFactory
from volunteers.models import (
    AvailabilitySlot,
    Need,
    NeedSlot,
    ServiceProject,
    SocialWorker,
    SocialWorkerLevel,
    Volunteer,
)
from volunteers.services.tallies import tally_registered


def make_id_number(n: int, birth: datetime.date | None = None) -> str:
    """A valid ID number: area 320102, a birth date, a 3-digit sequence, the check character."""
    birth = birth or datetime.date(1990, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"320102{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def birth_for_age(age: int, *, on: datetime.date | None = None) -> datetime.date:
    on = on or timezone.localdate()
    return on.replace(year=on.year - age) - datetime.timedelta(days=30)


def service_type(code: str = "community-service") -> VolunteerServiceType:
    return VolunteerServiceType.objects.get(code=code)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    class Params:
        id_number = factory.Sequence(lambda n: make_id_number(n + 1))
        protected = factory.LazyAttribute(lambda o: id_number_protect(o.id_number))

    user = factory.SubFactory(UserFactory, roles=[Role.VOLUNTEER])
    number = factory.Sequence(lambda n: f"ZYT{n:08d}")
    real_name = factory.Sequence(lambda n: f"测试志愿者{n}")
    id_ciphertext = factory.LazyAttribute(lambda o: o.protected.ciphertext)
    id_hmac = factory.LazyAttribute(lambda o: o.protected.hmac)
    id_masked = factory.LazyAttribute(lambda o: o.protected.masked)
    birth_date = factory.LazyAttribute(lambda o: o.protected.birth_date)
    phone = "13900000000"
    emergency_name = "紧急联系人"
    emergency_phone = "13900000001"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved and counted in the volunteer tally, as the registration service does."""
        volunteer = super()._create(model_class, *args, **kwargs)
        tally_registered([volunteer])
        return volunteer

    @factory.post_generation
    def available(self, create, extracted, **kwargs):
        """`available=[(weekday, "09:00", "18:00")]`; by default every day 08:00–20:00."""
        if not create:
            return
        windows = extracted if extracted is not None else [(d, "08:00", "20:00") for d in range(7)]
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(
                volunteer=self,
                weekday=d,
                start_time=datetime.time.fromisoformat(s),
                end_time=datetime.time.fromisoformat(e),
            )
            for d, s, e in windows
        )


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceProject

    title = factory.Sequence(lambda n: f"测试服务项目{n}")
    department = factory.SubFactory(DepartmentFactory)
    organization = None
    responsible_person = "项目负责人"
    contact_phone = "025-00000000"


def next_weekday_at(hour: int, *, days_ahead: int = 7) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"测试需求{n}")
    role = "活动协助"
    service_type = factory.LazyFunction(service_type)
    district = factory.LazyFunction(lambda: District.objects.first() or DistrictFactory())
    address = "测试街道1号"
    headcount = 2
    min_age = 16
    signup_closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def slots(self, create, extracted, **kwargs):
        """`slots=[(start, end)]`; by default one 09:00–12:00 slot a week from today."""
        if not create:
            return
        spans = extracted if extracted is not None else [(next_weekday_at(9), next_weekday_at(12))]
        for start, end in spans:
            NeedSlot.objects.create(need=self, starts_at=start, ends_at=end, headcount=self.headcount)


def social_worker(*, level=SocialWorkerLevel.SOCIAL_WORKER, registered_on=None, user=None) -> SocialWorker:
    from volunteers.services.social_workers import registration_end, sync_social_worker_role

    registered_on = registered_on or timezone.localdate() - datetime.timedelta(days=100)
    worker = SocialWorker.objects.create(
        user=user or UserFactory(),
        real_name="测试社工",
        level=level,
        certificate_no=f"SW-{SocialWorker.objects.count() + 1:05d}",
        registered_on=registered_on,
        valid_until=registration_end(registered_on),
    )
    sync_social_worker_role(worker)
    return worker
