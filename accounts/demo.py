"""Demo users: one per role. Profile-derived roles are granted directly until their apps' demo
data creates the profiles that decide them."""

from django.conf import settings

from accounts.models import User
from accounts.roles import PROFILE_ROLES, Role, ensure_role_groups
from core.models import Department

DEMO_USERS = [
    ("admin", "系统管理员 王敏", Role.BUREAU_ADMIN, "mzj", True),
    ("officer", "采购经办人 李强", Role.PROCUREMENT_OFFICER, "mzj-elderly", False),
    ("registry", "登记管理员 赵丽", Role.REGISTRY_ADMIN, "mzj", False),
    ("approver", "审批人 陈刚", Role.BUREAU_APPROVER, "mzj", False),
    ("supervisor", "监督人员 周洁", Role.SUPERVISOR, "mzj", False),
    ("centre", "志愿服务中心 何宁", Role.VOLUNTEER_CENTRE, "mzj-charity", False),
    ("expert", "评审专家 孙伟", Role.EXPERT, None, False),
    ("orgmember", "社会组织成员 吴芳", Role.ORGANIZATION_MEMBER, None, False),
    ("volunteer", "志愿者 郑浩", Role.VOLUNTEER, None, False),
    ("socialworker", "社会工作者 冯静", Role.SOCIAL_WORKER, None, False),
]


def seed(stdout=None) -> list[tuple[str, str]]:
    groups = ensure_role_groups()
    logins = []
    for username, name, role, department_code, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        user.display_name = name
        user.email = f"{username}@demo.mzj.example.gov.cn"
        user.department = Department.objects.get(code=department_code) if department_code else None
        user.is_superuser = superuser
        user.is_active = True
        if created or not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
        user.save()
        user.groups.add(groups[role.value])
        logins.append((username, str(role.label) + (" / superuser" if superuser else "")))
        assert role in PROFILE_ROLES or department_code, "staff demo users belong to a department"
    return logins
