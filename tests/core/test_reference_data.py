import pytest

from core.models import ServiceCategory, VolunteerServiceType

pytestmark = pytest.mark.django_db


def test_eight_service_categories_with_catalogue_items():
    top = ServiceCategory.objects.filter(parent__isnull=True)
    assert list(top.values_list("name", flat=True)) == [
        "家庭及儿童服务",
        "老年人服务",
        "青少年服务",
        "残疾人服务",
        "社区发展",
        "社区矫正",
        "劳动关系协调",
        "就业培训",
    ]
    assert all(category.children.exists() for category in top)


def test_ten_volunteer_service_types_and_qualified_ones():
    assert VolunteerServiceType.objects.count() == 10
    qualified = set(
        VolunteerServiceType.objects.filter(requires_qualification=True).values_list("name", flat=True)
    )
    assert qualified == {"心理咨询", "社区矫正", "应急救援"}
