from accounts.roles import Role, user_has_role


def can_manage_staff(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN))
    )
