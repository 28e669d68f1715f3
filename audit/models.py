from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.labels import action_label


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class EventQuerySet(models.QuerySet):
    """Events are written only by `audit.record()` (or, a batch chained at once, `audit.record_many()`) and never changed or removed."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit events cannot be updated")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events are written by audit.record() or audit.record_many()")

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
    # A sealed event (audit.sealing): the scope whose reveal unseals it ("procurement.tender:12") and
    # the real actor, IP, request id and summaries, encrypted by the scope's sealer. NULL when not
    # sealed (nullable so that adding them rewrote no row, and rows before them chain unchanged).
    sealed_scope = models.CharField(
        _("Sealing"), max_length=80, null=True, blank=True, db_index=True, editable=False
    )
    sealed_identity = models.TextField(_("Sealed identity"), null=True, blank=True, editable=False)

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
            raise AppendOnlyError("audit events are written only by audit.record() or audit.record_many()")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    def get_action_display(self) -> str:
        """The action's Chinese name (audit.labels); Wagtail's inspect view shows it."""
        return action_label(self.action)

    def get_actor_label_display(self) -> str:
        """The actor's name, or 系统 / 匿名 when no signed-in user acted; for a sealed event, its
        pseudonym until the viewer may read it (`shown`)."""
        return self.shown.actor

    @property
    def shown(self):
        """What may be shown of this event (`audit.sealing.Shown`): set for a whole page by
        `audit.sealing.present(events, viewer)`; computed here for nobody in particular (sealed
        events masked until their reveal) when a page did not."""
        shown = getattr(self, "_shown", None)
        if shown is None:
            from audit.sealing import present

            present([self])
            shown = self._shown
        return shown
