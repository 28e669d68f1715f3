"""Seed the eight purchase-of-services categories with guidance-catalogue items, and the ten
volunteer service types. Names are the official Chinese terms (data, not UI strings)."""

from django.db import migrations

SERVICE_CATEGORIES = [
    ("family-children", "家庭及儿童服务", ["困境儿童关爱保护", "家庭教育指导", "婚姻家庭辅导"]),
    ("elderly", "老年人服务", ["居家养老上门服务", "社区日间照料", "老年人助餐服务", "失能老人照护"]),
    ("youth", "青少年服务", ["青少年成长辅导", "预防青少年违法犯罪", "青少年心理健康服务"]),
    ("disability", "残疾人服务", ["残疾人康复服务", "残疾人就业辅导", "残疾人托养服务"]),
    ("community-development", "社区发展", ["社区治理能力建设", "社区社会组织培育", "社区志愿服务运营"]),
    ("community-corrections", "社区矫正", ["社区矫正对象帮扶", "安置帮教服务"]),
    ("labour-relations", "劳动关系协调", ["劳动争议调解服务", "职工权益咨询"]),
    ("employment-training", "就业培训", ["就业技能培训", "创业指导服务", "困难群体就业援助"]),
]

VOLUNTEER_TYPES = [
    ("poverty-relief", "扶贫济困", False),
    ("disability-elderly", "助残帮老", False),
    ("environment", "环境保护", False),
    ("counselling", "心理咨询", True),
    ("community-corrections", "社区矫正", True),
    ("science-education", "科普教育", False),
    ("youth-education", "青少年教育", False),
    ("community-service", "社区服务", False),
    ("major-events", "大型活动", False),
    ("emergency-rescue", "应急救援", True),
]


def seed(apps, schema_editor):
    ServiceCategory = apps.get_model("core", "ServiceCategory")
    VolunteerServiceType = apps.get_model("core", "VolunteerServiceType")
    for order, (code, name, items) in enumerate(SERVICE_CATEGORIES, start=1):
        parent, _ = ServiceCategory.objects.update_or_create(
            code=code, defaults={"name": name, "parent": None, "sort_order": order}
        )
        for item_order, item in enumerate(items, start=1):
            ServiceCategory.objects.update_or_create(
                code=f"{code}-{item_order}", defaults={"name": item, "parent": parent, "sort_order": item_order}
            )
    for order, (code, name, qualified) in enumerate(VOLUNTEER_TYPES, start=1):
        VolunteerServiceType.objects.update_or_create(
            code=code, defaults={"name": name, "requires_qualification": qualified, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
