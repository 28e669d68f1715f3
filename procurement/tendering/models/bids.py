"""Sealed bids, their files, the tender's sealing key and the opening record.

Before opening a bid row holds only ciphertext (`procurement.tendering.sealing`): its price, proposal and
files are unreadable without the master key, and `price`/`responsive` are NULL. The opening
(`procurement.tendering.services.opening`) fills them and keeps the ciphertext."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from procurement.planning.models import MONEY
from procurement.tendering.models.tenders import Lot, Tender


class TenderSealingKey(models.Model):
    """The tender's key pair: the public key seals bids; the private key (the data key) is stored
    only wrapped by the master key. Created with the tender's first bid."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="sealing_key")
    public_key = models.BinaryField(editable=False)
    wrapped_key = models.BinaryField(editable=False)
    key_version = models.CharField(max_length=10, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Tender sealing key")
        verbose_name_plural = _("Tender sealing keys")

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.key_version}"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REPLACED = "replaced", _("Replaced")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Bid(models.Model):
    """One organization's sealed bid on one lot. One live (submitted) bid per organization and lot;
    replacing a bid keeps the old row as `replaced`. Nothing here is readable before opening except
    who bid, when, and the receipt."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="bids"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Organization"), on_delete=models.PROTECT, related_name="bids"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=BidStatus.choices, default=BidStatus.SUBMITTED, editable=False
    )
    submitted_at = models.DateTimeField(_("Submitted at"), default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Confirmed again after an amendment that affects bids (Tender.bids_reconfirm_after).
    reconfirmed_at = models.DateTimeField(_("Confirmed at"), default=timezone.now, editable=False)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("Replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        editable=False,
    )
    withdrawn_at = models.DateTimeField(_("Withdrawn at"), null=True, blank=True, editable=False)
    ciphertext = models.BinaryField(editable=False)
    nonce = models.BinaryField(editable=False)
    receipt_hash = models.CharField(_("Receipt"), max_length=64, editable=False)
    eligibility_checked_at = models.DateTimeField(_("Eligibility checked at"), editable=False)
    # Filled by the opening.
    opened_at = models.DateTimeField(_("Opened at"), null=True, blank=True, editable=False)
    price = models.DecimalField(_("Price (yuan)"), null=True, blank=True, editable=False, **MONEY)
    responsive = models.BooleanField(_("Responsive"), null=True, blank=True, editable=False)
    # The team the bid names (拟派项目团队: [{"user": id, "name": str, "role": PersonnelRole}]),
    # sealed inside the bid's content like the price and written here only at the opening.
    team = models.JSONField(_("Proposed team"), default=list, blank=True, editable=False)
    nonresponsive_reason = models.TextField(_("Reason not responsive"), blank=True, editable=False)

    class Meta:
        ordering = ["lot", "submitted_at", "pk"]
        verbose_name = _("Bid")
        verbose_name_plural = _("Bids")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "organization"],
                condition=models.Q(status=BidStatus.SUBMITTED),
                name="procurement_bid_one_live_per_org_lot",
            ),
            models.CheckConstraint(
                condition=models.Q(opened_at__isnull=False)
                | models.Q(price__isnull=True, responsive__isnull=True),
                name="procurement_bid_nothing_read_before_opening",
            ),
        ]
        indexes = [models.Index(fields=["tender", "status"], name="procurement_bid_tender_status")]

    def __str__(self) -> str:
        return str(_("Bid %(id)s") % {"id": self.pk})

    @property
    def is_live(self) -> bool:
        return self.status == BidStatus.SUBMITTED

    def aad(self) -> bytes:
        """Binds the ciphertext to its tender, lot and organization."""
        return f"bid:{self.tender_id}:{self.lot_id}:{self.organization_id}".encode()


def sealed_file_path(instance, filename: str) -> str:
    """Nothing of the uploaded name reaches the disk."""
    return f"sealed-bids/{instance.bid.tender_id}/{uuid.uuid4().hex}.sealed"


class BidFile(models.Model):
    """A file of a bid, sealed before it touches the disk. Its name, type and size are inside the
    bid's sealed content; `file_id` binds the ciphertext (a replacement bid that keeps a file gets a
    new row with the same `file_id` and stored file)."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="files")
    file_id = models.UUIDField(default=uuid.uuid4, editable=False)
    file = models.FileField(storage=private_storage, upload_to=sealed_file_path, max_length=200)
    nonce = models.BinaryField(editable=False)
    ciphertext_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["bid", "pk"]
        verbose_name = _("Bid file")
        verbose_name_plural = _("Bid files")
        constraints = [
            models.UniqueConstraint(fields=["bid", "file_id"], name="procurement_bidfile_once_per_bid"),
        ]

    def __str__(self) -> str:
        return str(self.file_id)

    def aad(self) -> bytes:
        return f"bid-file:{self.bid.tender_id}:{self.file_id}".encode()


class BidOpening(models.Model):
    """The record of a tender's opening (开标记录): when, by whom (empty: the scheduler), and per lot
    the bidders and prices read, with responsiveness. Written once; public once written."""

    tender = models.OneToOneField(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="opening"
    )
    opened_at = models.DateTimeField(_("Opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bid_count = models.PositiveIntegerField(_("Bids received"), default=0)
    responsive_count = models.PositiveIntegerField(_("Responsive bids"), default=0)
    failed = models.BooleanField(_("Failed for too few bids"), default=False)
    # {"lots": [{"lot": id, "number": n, "title": str, "failed": bool, "responsive": n,
    #            "bids": [{"bid": id, "organization": id, "name": str, "uscc": str, "price": "…",
    #                      "responsive": bool, "reason": str}]}]}
    record = models.JSONField(_("Opening record"), default=dict)

    class Meta:
        ordering = ["-opened_at"]
        # the public list of opening records sorts by it, and its year filter reads the first and last
        indexes = [models.Index(fields=["opened_at", "id"], name="bidopening_opened")]
        verbose_name = _("Bid opening")
        verbose_name_plural = _("Bid openings")

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.opened_at:%Y-%m-%d %H:%M}"
