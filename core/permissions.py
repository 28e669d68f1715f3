from accounts.roles import Role, user_has_role


def can_edit_reference_data(user, model) -> bool:
    """Bureau admins keep departments, districts, categories and the calendar; registry admins the
    categories too. Superusers may do everything."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN):
        return True
    return model._meta.model_name in {"servicecategory", "volunteerservicetype"} and user_has_role(
        user, Role.REGISTRY_ADMIN
    )
