"""A read-only listing of the audit log in the Wagtail admin, for superusers, bureau admins and
supervisors, with its inspect page and CSV/XLSX exports. There is no add, edit or delete: events are
written only by `audit.record()`.

Every row shown or exported goes through `audit.sealing.present(events, viewer)`: a sealed event
(who bid, who fetched the call documents, before the opening) shows its pseudonym and what its
sealer left readable, never the actor, organization, IP address or request id; the page says how
many of its rows are sealed."""

import json

import django_filters
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy, pgettext
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from audit.labels import action_label
from audit.models import Event
from audit.permissions import AuditLogPermissionPolicy
from audit.sealing import count_sealed, present, sealed_actions

register_permission_policy(Event, AuditLogPermissionPolicy(Event))


def _json(value) -> str:
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)


class _Presented:
    """The export's rows, presented for the viewer a chunk at a time (the export streams)."""

    model = Event

    def __init__(self, queryset, viewer, chunk_size: int = 500):
        self.queryset, self.viewer, self.chunk_size = queryset, viewer, chunk_size

    def __iter__(self):
        chunk = []
        for event in self.queryset.iterator(chunk_size=self.chunk_size):
            chunk.append(event)
            if len(chunk) >= self.chunk_size:
                yield from present(chunk, self.viewer)
                chunk = []
        yield from present(chunk, self.viewer)


def _filter_actor(queryset, name, value):
    """Events of the account named (its user name, in any case). A text box, not a select of every
    user who ever acted: every registered volunteer has acted, hundreds of thousands in a city. Rows
    of a sealed action are never found by their actor (`EventIndexView.filter_queryset`)."""
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(actor__username__iexact=value)


class EventFilterSet(WagtailFilterSet):
    actor = django_filters.CharFilter(label=gettext_lazy("Actor (account name)"), method=_filter_actor)

    class Meta:
        model = Event
        fields = ["action", "object_type", "actor"]


class EventIndexView(IndexView):
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.request.GET.get("actor"):
            # Rows of a sealed action written in clear before sealing existed must not be found by
            # their actor (sealed rows have no actor to filter on).
            queryset = queryset.exclude(action__in=sealed_actions(), sealed_scope__isnull=True)
        return queryset

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        object_list = present(object_list, self.request.user)
        page.object_list = object_list
        return paginator, page, object_list, is_paginated

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context["sealed_count"] = count_sealed(context["object_list"])
        return context

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(_Presented(queryset, self.request.user), spreadsheet_format)

    def to_row_dict(self, item):
        shown = item.shown
        return {
            "seq": item.seq,
            "occurred_at": item.occurred_at,
            "actor_label": shown.actor,
            "action": action_label(item.action),
            "object_type": item.object_type,
            "object_id": item.object_id,
            "object_label": item.object_label,
            "before": _json(shown.before),
            "after": _json(shown.after),
            "request_id": shown.request_id,
            "ip_address": shown.ip_address or "",
            "sealed_scope": _sealed_state(item),
        }


def _sealed_state(event) -> str:
    shown = event.shown
    if shown.sealed:
        return pgettext("audit sealing", "Sealed until the opening")
    if shown.revealed:
        return pgettext("audit sealing", "Revealed at the opening")
    return ""


class EventInspectView(InspectView):
    def get_object(self, queryset=None):
        event = super().get_object(queryset)
        present([event], self.request.user)
        return event

    def get_actor_label_display_value(self):
        return self.object.shown.actor

    def get_before_display_value(self):
        return _json(self.object.shown.before)

    def get_after_display_value(self):
        return _json(self.object.shown.after)

    def get_request_id_display_value(self):
        return self.object.shown.request_id or "-"

    def get_ip_address_display_value(self):
        return self.object.shown.ip_address or "-"

    def get_sealed_scope_display_value(self):
        return _sealed_state(self.object) or "-"


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
    index_view_class = EventIndexView
    inspect_view_class = EventInspectView
    index_results_template_name = "audit/event_index_results.html"
    list_export = [
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
        "sealed_scope",
    ]
    export_filename = "audit-log"
    filterset_class = EventFilterSet
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
        "sealed_scope",
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
