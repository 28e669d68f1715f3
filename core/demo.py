"""Demo reference data: the city's districts and purchasing units."""

from core.models import Department, District

DISTRICTS = [
    ("320102", "玄武区"),
    ("320104", "秦淮区"),
    ("320105", "建邺区"),
    ("320106", "鼓楼区"),
    ("320111", "浦口区"),
    ("320113", "栖霞区"),
    ("320114", "雨花台区"),
    ("320115", "江宁区"),
    ("320116", "六合区"),
    ("320117", "溧水区"),
    ("320118", "高淳区"),
]

DEPARTMENTS = [
    ("mzj", "市民政局", None),
    ("mzj-elderly", "市民政局养老服务处", None),
    ("mzj-charity", "市民政局慈善事业促进和社会工作处", None),
    ("xuanwu-mzj", "玄武区民政局", "320102"),
    ("gulou-mzj", "鼓楼区民政局", "320106"),
    ("jiangning-mzj", "江宁区民政局", "320115"),
]


def seed(stdout=None) -> None:
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name, district_code in DEPARTMENTS:
        district = District.objects.get(code=district_code) if district_code else None
        Department.objects.update_or_create(code=code, defaults={"name": name, "district": district})
