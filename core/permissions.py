from accounts.roles import Role, user_has_role

# The reference tables (model names of `core`) each staff role keeps. `can_edit_reference_data`
# checks it on every save; `core.model_permissions` gives the roles' groups the matching model
# permissions, by which Wagtail shows them the "基础数据" menu.
REFERENCE_TABLES = ("department", "district", "servicecategory", "volunteerservicetype", "calendaroverride")
REFERENCE_EDITORS = {
    Role.BUREAU_ADMIN: REFERENCE_TABLES,
    Role.REGISTRY_ADMIN: ("servicecategory", "volunteerservicetype"),
}


def can_edit_reference_data(user, model) -> bool:
    """Bureau admins keep departments, districts, categories and the calendar; registry admins the
    categories too. Superusers may do everything."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN):
        return True
    return model._meta.model_name in REFERENCE_EDITORS[Role.REGISTRY_ADMIN] and user_has_role(
        user, Role.REGISTRY_ADMIN
    )
