"""The public check of a bid receipt's signature (issue #13): anyone pastes a receipt the platform
issued and learns whether its signature is valid. Nothing is read from the database: a valid
signature proves the platform issued the receipt unchanged, not what became of the bid since."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect

from core.normalize import CleanInputMixin
from procurement.tendering import receipts


class ReceiptVerifyForm(CleanInputMixin, forms.Form):
    receipt = forms.CharField(
        label=gettext_lazy("Receipt"),
        max_length=receipts.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Paste the whole receipt text, from the line “version:” to the line “signature:”."
        ),
        strip=False,
    )


@csrf_protect
def receipt_verify(request):
    """GET: the form. POST: valid / invalid / unreadable, never an error page."""
    form = ReceiptVerifyForm(request.POST or None)
    outcome = receipt = None
    if request.method == "POST" and form.is_valid():
        try:
            receipt, signature = receipts.parse(form.cleaned_data["receipt"])
        except receipts.ReceiptError:
            outcome = "unreadable"
            form.add_error(
                "receipt",
                _(
                    "This text cannot be read as a bid receipt: paste the whole receipt, with its lines "
                    "version, tender, lot, organization, bid, submitted_at, receipt and signature."
                ),
            )
        else:
            outcome = "valid" if receipts.verify(receipt, signature) else "invalid"
    return render(
        request,
        "procurement/tendering/receipt_verify.html",
        {"form": form, "outcome": outcome, "receipt": receipt if outcome == "valid" else None},
    )
