"""factory_boy factories per model and per role."""

import factory
from django.conf import settings

from accounts.models import User
from accounts.roles import Role, ensure_role_groups
from core.models import Department, District

TEST_PASSWORD = "Zijin-Test-2026!"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"3201{n:02d}")
    name = factory.Sequence(lambda n: f"测试{n}区")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"测试采购单位{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted:
            groups = ensure_role_groups()
            for role in extracted:
                self.groups.add(groups[Role(role).value])
        self.save()


def staff_user(role: Role, **kwargs) -> User:
    kwargs.setdefault("department", DepartmentFactory())
    return UserFactory(roles=[role], **kwargs)


__all__ = ["TEST_PASSWORD", "DepartmentFactory", "DistrictFactory", "UserFactory", "settings", "staff_user"]
