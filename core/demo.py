"""Demo reference data: the city's districts and purchasing units."""

from core.models import Department, District
from core.uscc import uscc_complete

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

# The bureaus' unified social credit codes (11: a government organ, then the region code): made up
# for the demo, with a valid check character. The bureau's divisions (处) buy in its name and have
# none of their own: the open data identifies them by their unit code.
DEPARTMENT_USCC = {
    "mzj": uscc_complete("11320100MB0000001"),
    "xuanwu-mzj": uscc_complete("11320102MB0000002"),
    "gulou-mzj": uscc_complete("11320106MB0000003"),
    "jiangning-mzj": uscc_complete("11320115MB0000004"),
}


def seed(stdout=None) -> None:
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name, district_code in DEPARTMENTS:
        district = District.objects.get(code=district_code) if district_code else None
        Department.objects.update_or_create(
            code=code,
            defaults={"name": name, "district": district, "uscc": DEPARTMENT_USCC.get(code, "")},
        )
