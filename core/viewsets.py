"""Wagtail admin pieces whose create/edit/delete go through a service (and so the audit log)."""

from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, SnippetViewSet

from core import services
from core.forms import add_service_errors


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


class ReferenceDataViewSet(SnippetViewSet):
    """Reference data managed as snippets, saved through `core.services`."""

    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = ServiceDeleteView


__all__ = ["ModelViewSet", "NoDeleteView", "ReferenceDataViewSet", "ServiceFormMixin"]


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
