from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One state change: who did what to which object, with a before/after summary (never secrets)."""

    occurred_at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
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

    class Meta:
        ordering = ["id"]
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
