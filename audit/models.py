from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.labels import action_label, actor_label


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class EventQuerySet(models.QuerySet):
    """Events are written only by `audit.record()` and never changed or removed."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit events cannot be updated")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events are written one at a time by audit.record()")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    delete.queryset_only = True

    def _raw_delete(self, using):
        raise AppendOnlyError("audit events cannot be deleted")


class Event(models.Model):
    """One state change: who did what to which object, with a before/after summary (never secrets).

    Rows form a hash chain: `mac` is an HMAC (key `settings.AUDIT_MAC_KEY`, never stored in the
    database) over the row's content, its `seq` and `prev_mac`, the MAC of the row before it."""

    seq = models.PositiveBigIntegerField(_("Sequence number"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("Time"), db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("Actor name"), max_length=150, blank=True)
    action = models.CharField(_("Actions"), max_length=80, db_index=True)
    object_type = models.CharField(_("Object type"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("Object id"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("Object"), max_length=200, blank=True)
    before = models.JSONField(_("Before"), default=dict, blank=True)
    after = models.JSONField(_("After"), default=dict, blank=True)
    request_id = models.CharField(_("Request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_mac = models.CharField(_("Previous MAC"), max_length=64, blank=True, editable=False)
    mac = models.CharField(_("MAC"), max_length=64, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed once written")
        if not getattr(self, "_written_by_record", False):
            raise AppendOnlyError("audit events are written only by audit.record()")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    def get_action_display(self) -> str:
        """The action's Chinese name (audit.labels); Wagtail's inspect view shows it."""
        return action_label(self.action)

    def get_actor_label_display(self) -> str:
        """The actor's name, or 系统 / 匿名 when no signed-in user acted."""
        return actor_label(self.actor_label, has_user=self.actor_id is not None)
