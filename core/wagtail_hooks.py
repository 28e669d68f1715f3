from django.contrib import messages
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.models import CalendarOverride, Department, District, ServiceCategory, VolunteerServiceType
from core.permissions import can_edit_reference_data
from core.viewsets import ReferenceDataViewSet, YesNoColumn
from core.workdays import missing_schedule_year


class CalendarOverrideViewSet(ReferenceDataViewSet):
    model = CalendarOverride
    icon = "date"
    menu_label = gettext_lazy("Working-day overrides")
    list_display = ["date", YesNoColumn(CalendarOverride, "is_working_day"), "name", "source"]
    list_filter = ["is_working_day"]
    ordering = ["-date"]


class DepartmentViewSet(ReferenceDataViewSet):
    model = Department
    icon = "group"
    menu_label = gettext_lazy("Purchasing units")
    list_display = ["name", "code", "uscc", "district", YesNoColumn(Department, "is_active")]
    list_filter = ["is_active", "district"]
    search_fields = ["name", "code", "uscc"]


class DistrictViewSet(ReferenceDataViewSet):
    model = District
    icon = "site"
    menu_label = gettext_lazy("Districts")
    list_display = ["name", "code", "sort_order"]


class ServiceCategoryViewSet(ReferenceDataViewSet):
    model = ServiceCategory
    icon = "list-ul"
    menu_label = gettext_lazy("Service categories")
    list_display = ["name", "code", "parent", YesNoColumn(ServiceCategory, "is_active")]
    list_filter = ["parent", "is_active"]
    search_fields = ["name"]


class VolunteerServiceTypeViewSet(ReferenceDataViewSet):
    model = VolunteerServiceType
    icon = "tag"
    menu_label = gettext_lazy("Volunteer service types")
    list_display = [
        "name",
        "code",
        YesNoColumn(VolunteerServiceType, "requires_qualification"),
    ]


class ReferenceDataGroup(SnippetViewSetGroup):
    items = (
        DepartmentViewSet,
        DistrictViewSet,
        ServiceCategoryViewSet,
        VolunteerServiceTypeViewSet,
        CalendarOverrideViewSet,
    )
    menu_icon = "folder-open-inverse"
    menu_label = gettext_lazy("Reference data")
    menu_name = "reference-data"


register_snippet(ReferenceDataGroup)

REFERENCE_MODELS = tuple(viewset.model for viewset in ReferenceDataGroup.items)


@hooks.register("before_bulk_action")
def refuse_bulk_actions_on_reference_data(request, action_type, objects, action_class_instance):
    """A crafted bulk URL is refused too: reference rows change one at a time, through the service."""
    if any(isinstance(obj, REFERENCE_MODELS) for obj in objects):
        messages.error(request, _("Reference data is changed one row at a time, never in bulk."))
        return redirect(reverse("wagtailadmin_home"))
    return None


class MissingCalendarPanel(Component):
    """Warns staff on the admin dashboard when next year's holiday schedule has not been entered; those
    who keep the calendar (`can_edit_reference_data`) get the link to enter it, the others are told
    who does."""

    name = "missing_calendar"
    order = 50

    def __init__(self, year: int, *, can_enter: bool = False):
        self.year = year
        self.can_enter = can_enter

    def render_html(self, parent_context=None):
        if self.can_enter:
            message = _(
                "The official holiday and make-up workday schedule for %(year)s has not been entered. Once "
                "the State Council announces it, enter it under “Reference data › Working-day overrides”; "
                "until then statutory periods count only weekends and estimated holidays, with no make-up "
                "workdays."
            ) % {"year": self.year}
            link = format_html(
                ' <a href="{}">{}</a>',
                reverse("wagtailsnippets_core_calendaroverride:list"),
                _("Enter the working-day overrides"),
            )
        else:
            message = _(
                "The official holiday and make-up workday schedule for %(year)s has not been entered yet (a "
                "bureau admin enters it once the State Council announces it); until then statutory periods "
                "count only weekends and estimated holidays, with no make-up workdays."
            ) % {"year": self.year}
            link = ""
        return format_html(
            '<div class="help-block help-warning" role="alert"><p>{}{}</p></div>', message, link
        )


@hooks.register("construct_homepage_panels")
def add_missing_calendar_warning(request, panels):
    year = missing_schedule_year(timezone.localdate())
    if year is not None:
        can_enter = can_edit_reference_data(request.user, CalendarOverride)
        panels.insert(0, MissingCalendarPanel(year, can_enter=can_enter))


@hooks.register("insert_global_admin_js")
def admin_dialog_names():
    """Names Wagtail's modal dialogs after their heading (static/js/admin-dialogs.js)."""
    return format_html('<script src="{}" defer></script>', static("js/admin-dialogs.js"))
