from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.roles import STAFF_ROLES


def staff_list(*, search: str = "", active: bool | None = None) -> QuerySet[User]:
    """Staff accounts (anyone with a department or a staff role), with department and groups loaded."""
    qs = (
        User.objects.filter(Q(department__isnull=False) | Q(groups__name__in=[r.value for r in STAFF_ROLES]))
        .distinct()
        .select_related("department")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("username")
    )
    if search:
        qs = qs.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(email__icontains=search)
        )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs
