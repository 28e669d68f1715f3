"""Referrals (转介): the bureau's volunteer centre refers a registered volunteer — or a group, one row
per volunteer sharing a batch id — to an organization's open need (issue 15, point 4).

proposed → accepted (the organization; the sign-up is made through the sign-up service),
proposed → declined (the organization, with a reason), proposed or accepted → declined by the
volunteer (an accepted one's sign-up is cancelled), proposed → withdrawn (the centre), proposed or
accepted → need cancelled (closed when the organization cancels the need; an accepted one's sign-up
is cancelled with the need). The allowed moves are
`volunteers.transitions.REFERRAL_TRANSITIONS`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin
from volunteers.models.needs import SignUpStatus


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("referral", "Proposed")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined by the organization")
    VOLUNTEER_DECLINED = "volunteer_declined", pgettext_lazy("referral", "Declined by the volunteer")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral", "Withdrawn")
    # closed because the need was cancelled, unanswered or accepted (not the centre's withdrawal)
    NEED_CANCELLED = "need_cancelled", pgettext_lazy("referral", "Closed: the need was cancelled")


OPEN_REFERRAL_STATUSES = (ReferralStatus.PROPOSED, ReferralStatus.ACCEPTED)


def closing_with_need() -> models.Q:
    """The referrals a need's cancellation closes: those the organization has not answered, and
    those it accepted whose volunteer has not served (their sign-ups are cancelled with the need; a
    volunteer who came, or did not come, keeps the accepted referral)."""
    return models.Q(status=ReferralStatus.PROPOSED) | (
        models.Q(status=ReferralStatus.ACCEPTED)
        & ~models.Q(signup__status__in=(SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW))
    )


class Referral(CleanTextModelMixin, models.Model):
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("Volunteer"),
    )
    need = models.ForeignKey(
        "volunteers.Need",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("Volunteer need"),
    )
    # The slot the centre proposes; empty: the organization chooses one when it accepts.
    slot = models.ForeignKey(
        "volunteers.NeedSlot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("Time slot"),
    )
    batch = models.UUIDField(pgettext_lazy("referral", "Batch"), default=uuid.uuid4, db_index=True)
    note = models.TextField(pgettext_lazy("referral", "Note"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(pgettext_lazy("referral", "Reason for declining"), blank=True)
    volunteer_reason = models.TextField(pgettext_lazy("referral", "Volunteer's reason"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    signup = models.ForeignKey(
        "volunteers.SignUp", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("referral", "Referral")
        verbose_name_plural = pgettext_lazy("referral", "Referrals")
        constraints = [
            # one open referral of a volunteer to a need
            models.UniqueConstraint(
                fields=["volunteer", "need"],
                condition=models.Q(status__in=["proposed", "accepted"]),
                name="referral_one_open_per_need",
            ),
            # the organization declines with a reason
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            # an accepted referral holds the sign-up it made
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(signup__isnull=False),
                name="referral_accepted_has_signup",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id}→{self.need_id} ({self.status})"
