"""A read-only listing of the audit log in the Wagtail admin, for superusers, bureau admins and
supervisors. There is no add, edit or delete: events are written only by `audit.record()`."""

from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from audit.models import Event
from audit.permissions import AuditLogPermissionPolicy

register_permission_policy(Event, AuditLogPermissionPolicy(Event))


class EventViewSet(ModelViewSet):
    model = Event
    icon = "history"
    menu_label = gettext_lazy("Audit log")
    add_to_admin_menu = True
    menu_order = 9000
    copy_view_enabled = False
    form_fields = []  # never served: the add and edit views are not routed
    inspect_view_enabled = True
    list_display = [
        "seq",
        "occurred_at",
        Column("actor_label", label=gettext_lazy("Actor"), accessor=Event.get_actor_label_display),
        Column("action", label=gettext_lazy("Actions"), accessor=Event.get_action_display),
        "object_type",
        "object_id",
        "object_label",
    ]
    list_filter = ["action", "object_type", "actor"]
    ordering = ["-seq"]
    list_per_page = 50
    inspect_view_fields = [
        "seq",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before",
        "after",
        "request_id",
        "ip_address",
        "prev_mac",
        "mac",
    ]

    def get_urlpatterns(self):
        """Only the listing and the inspect page: no add, edit, delete, copy, history or usage."""
        keep = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in keep]

    def get_permissions_to_register(self):
        # Reading the log follows roles (audit.permissions), not assignable Django permissions.
        return Permission.objects.none()


audit_event_viewset = EventViewSet("audit_event")


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return audit_event_viewset
