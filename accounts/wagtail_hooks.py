"""Staff accounts are managed on the platform's own pages, which go through the audited services
and never delete. Wagtail's user create/edit/delete and bulk user actions are routed there."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts.permissions import can_manage_staff


def _to_staff_pages(request):
    messages.warning(
        request, _("Staff accounts are managed on the staff account pages, where every change is audited.")
    )
    return redirect("accounts:staff_list")


@hooks.register("before_create_user")
def route_create_user(request):
    return _to_staff_pages(request)


@hooks.register("before_edit_user")
def route_edit_user(request, user):
    return _to_staff_pages(request)


@hooks.register("before_delete_user")
def refuse_delete_user(request, user):
    messages.error(request, _("Accounts are never deleted; deactivate the account instead."))
    return redirect("accounts:staff_list")


@hooks.register("before_bulk_action")
def refuse_bulk_user_actions(request, action_type, objects, action_class_instance):
    if getattr(action_class_instance, "model", None) is get_user_model() or any(
        isinstance(obj, get_user_model()) for obj in objects
    ):
        return _to_staff_pages(request)
    return None


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_staff(request.user)


@hooks.register("register_settings_menu_item")
def register_staff_menu_item():
    return StaffMenuItem(
        gettext_lazy("Staff accounts"), reverse("accounts:staff_list"), icon_name="group", order=100
    )
