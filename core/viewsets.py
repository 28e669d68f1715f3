"""Wagtail admin viewsets whose create/edit/delete go through a service (and so the audit log)."""

from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, SnippetViewSet

from core import services


class _ServiceSaveMixin:
    def save_instance(self):
        try:
            return self.view_set_save(actor=self.request.user, instance=self.form.instance)
        except ValidationError as exc:
            # Surface service-level validation on the form rather than as a 500.
            self.form.add_error(None, exc)
            raise

    def view_set_save(self, *, actor, instance):
        return services.reference_save(actor=actor, instance=instance)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError:
            return self.form_invalid(form)
        except PermissionDenied:
            raise


class ServiceCreateView(_ServiceSaveMixin, CreateView):
    pass


class ServiceEditView(_ServiceSaveMixin, EditView):
    pass


class ServiceDeleteView(DeleteView):
    def delete_action(self):
        services.reference_delete(actor=self.request.user, instance=self.object)


class ReferenceDataViewSet(SnippetViewSet):
    """Reference data managed as snippets, saved through `core.services`."""

    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = ServiceDeleteView


__all__ = ["ModelViewSet", "ReferenceDataViewSet"]
