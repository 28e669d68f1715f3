"""Wagtail admin pieces whose create/edit/delete go through a service (and so the audit log)."""

from functools import cached_property

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, IndexView, SnippetViewSet

from core import services
from core.forms import add_service_errors
from core.pagination import capped_count


class ServiceFormMixin:
    """For Wagtail create/edit views: `service_save()` replaces Wagtail's save; a service
    `ValidationError` becomes a form error (never a 500) and nothing is written."""

    def service_save(self):
        raise NotImplementedError

    def save_instance(self):
        try:
            return self.service_save()
        except ValidationError as exc:
            add_service_errors(self.form, exc)
            # Wagtail's form_invalid expects this attribute from its own validation path.
            self.produced_error_message = self.get_error_message()
            raise

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError:
            return self.form_invalid(form)


class NoDeleteView(DeleteView):
    """Records that are kept for good (registers, procurements): never deleted from the admin."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class NoEditView(generic.EditView):
    """Records no service edits (a grade is granted, never rewritten): the edit URL a model viewset
    always has answers 403 rather than saving the model past the service and its audit entry."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class ServiceCreateView(ServiceFormMixin, CreateView):
    def service_save(self):
        return services.reference_save(actor=self.request.user, instance=self.form.instance)


class ServiceEditView(ServiceFormMixin, EditView):
    def service_save(self):
        return services.reference_save(actor=self.request.user, instance=self.form.instance)


class ServiceDeleteView(DeleteView):
    def delete_action(self):
        services.reference_delete(actor=self.request.user, instance=self.object)


class YesNoColumn(Column):
    """A yes/no field of a list, written 是/否 (Wagtail writes a boolean as "True"/"False")."""

    def __init__(self, model, name: str, **kwargs):
        kwargs.setdefault("label", model._meta.get_field(name).verbose_name)
        super().__init__(name, **kwargs)

    def get_value(self, instance):
        return _("Yes") if getattr(instance, self.name) else _("No")


class ReferenceIndexView(IndexView):
    """A reference table's list without Wagtail's bulk actions: a bulk delete removes the rows past
    `core.services.reference_delete` and its audit entry (a row is deleted from its own page)."""

    @cached_property
    def columns(self):
        return [column for column in super().columns if column.name != "bulk_actions"]


class ReferenceDataViewSet(SnippetViewSet):
    """Reference data managed as snippets, saved through `core.services`."""

    index_view_class = ReferenceIndexView
    index_template_name = "core/admin/reference_index.html"
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = ServiceDeleteView


# --- long admin lists (issue 17) --------------------------------------------------------------------

DEFAULT_ADMIN_LIST_COUNT_CAP = 10_000


def admin_list_count_cap() -> int:
    return max(1, int(getattr(settings, "ADMIN_LIST_COUNT_CAP", DEFAULT_ADMIN_LIST_COUNT_CAP)))


class CappedAdminPaginator(WagtailPaginator):
    """Wagtail's paginator, counting at most `settings.ADMIN_LIST_COUNT_CAP` rows (10,000: 200 pages
    of 50) with a COUNT over a LIMIT: a list longer than that says "more than 10,000" and pages
    through its first 10,000 rows; the search, filters and sorting reach the others. At ten times the
    base city the plain COUNT of the 2,000,000 volunteers took 45 ms of each request of their list."""

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap or admin_list_count_cap()
        self.more = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count  # the results of a search backend: counted as Wagtail counts them
        count, self.more = capped_count(self.object_list, self.cap)
        return count

    @cached_property
    def items_count_label(self):
        if self.count and self.more:
            return _("More than %(count)s %(items)s") % {
                "count": f"{self.count:,}",
                "items": self.verbose_name_plural,
            }
        return super().items_count_label


class CappedIndexView(generic.IndexView):
    """An admin list of a large table: its count is capped (`CappedAdminPaginator`), and the line
    above a search's or a filter's results says "more than N matches" when the cap is reached."""

    paginator_class = CappedAdminPaginator
    results_template_name = "core/admin/capped_index_results.html"


__all__ = [
    "CappedAdminPaginator",
    "CappedIndexView",
    "ModelViewSet",
    "NoDeleteView",
    "ReferenceDataViewSet",
    "ServiceFormMixin",
]


class NoAddView(generic.CreateView):
    """For records that are only created elsewhere (by a service from another record)."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


def service_views(create_service, edit_service, queryset_for):
    """Create, edit and index views wired to the services and the per-user queryset."""

    class Create(ServiceFormMixin, generic.CreateView):
        def service_save(self):
            return create_service(actor=self.request.user, instance=self.form.instance)

    class Edit(ServiceFormMixin, generic.EditView):
        def get_object(self, queryset=None):
            obj = super().get_object(queryset)
            if not queryset_for(self.request.user).filter(pk=obj.pk).exists():
                raise PermissionDenied
            return obj

        def service_save(self):
            return edit_service(actor=self.request.user, instance=self.form.instance)

    class Index(generic.IndexView):
        def get_base_queryset(self):
            return queryset_for(self.request.user)

    return Create, Edit, Index
