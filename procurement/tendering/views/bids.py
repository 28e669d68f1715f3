"""Site views of sealed bids (organization members) and the staff's bid count / opening record.

Bid content is shown only to members of the bidding organization (`services.bid_read_own`);
everybody else gets a 404 for a bid, so ids cannot be probed. The submit and replace views read
uploads into memory only (no temporary file ever holds a plaintext bid file), refuse bodies above
`BID_UPLOAD_MAX_BYTES`, and hide the price and proposal from error reports."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from core.normalize import CleanInputMixin
from orgs.models import Organization
from procurement.tendering import receipts
from procurement.tendering.models.bids import Bid
from procurement.tendering.models.tenders import Tender
from procurement.tendering.permissions import can_read_own_bid, can_view_bid_counts, is_public_call
from procurement.tendering.selectors import (
    bid_form_initial,
    bids_of_user,
    live_bid,
    organizations_for_bidding,
    qualification_documents_for_bid,
    tender_bid_summary_for_staff,
)
from procurement.tendering.services import bids as bids_services
from procurement.tendering.services.bids import (
    bid_file_read_own,
    bid_needs_reconfirmation,
    bid_read_own,
    bidding_refusal,
    upload_limit,
)
from procurement.tendering.team import TeamRole, bid_team_max_size, team_candidates, team_role_label

# Every posted field of a bid form is hidden from error reports (price, proposal, contact, and the
# proposed team, whose field names are per member).


class InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps every uploaded file of the request in memory, whatever its size (the view has already
    refused bodies above the bid upload limit), so that no temporary file is written."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True


def _memory_uploads_only(view):
    """CSRF is checked after the upload handlers are set (reading POST fixes them)."""

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > upload_limit() + 1024 * 1024:
                request._bid_upload_too_large = True
                request.upload_handlers = []
            else:
                request.upload_handlers = [InMemoryUploadHandler(request)]
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapped


class BidForm(CleanInputMixin, forms.Form):
    organization = forms.ModelChoiceField(label=gettext_lazy("Bidding organization"), queryset=None)
    lot = forms.ModelChoiceField(label=gettext_lazy("Lot"), queryset=None)
    price = forms.CharField(
        label=gettext_lazy("Price (yuan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Sealed until the opening: nobody but your organization can read it before then."
        ),
    )
    proposal = forms.CharField(
        label=gettext_lazy("Technical proposal"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=30, required=False)
    qualification_documents = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Qualification documents to attach"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Stored in your organization's profile: upload them once, attach them to every bid."
        ),
    )

    def __init__(self, *args, organizations, lots, qualification_documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in organizations]
        )
        self.fields["lot"].queryset = lots
        self.fields["qualification_documents"].queryset = qualification_documents
        self.fields["qualification_documents"].label_from_instance = lambda q: q.document.title
        if len(organizations) == 1:
            self.fields["organization"].widget = forms.HiddenInput()
        if len(lots) == 1:
            self.fields["lot"].widget = forms.HiddenInput()


class BidTeamForm(forms.Form):
    """The proposed team (拟派项目团队): one role choice per member of the bidding organization,
    "not on the team" by default. Sealed with the bid."""

    def __init__(self, *args, members, team=(), **kwargs):
        kwargs.setdefault("prefix", "team")
        super().__init__(*args, **kwargs)
        chosen = {int(entry["user"]): entry["role"] for entry in team or () if entry.get("user")}
        choices = [("", _("Not on the team")), *TeamRole.choices]
        for membership in members:
            self.fields[f"m{membership.user_id}"] = forms.ChoiceField(
                label=str(membership.user),
                choices=choices,
                required=False,
                initial=chosen.get(membership.user_id, ""),
            )

    def entries(self) -> list[tuple[int, str]]:
        return [
            (int(name[1:]), role) for name, role in self.cleaned_data.items() if name.startswith("m") and role
        ]


def _team_form(request, organization, team=()):
    return BidTeamForm(request.POST or None, members=team_candidates(organization), team=team)


def _team_context(content) -> list[dict]:
    return [{**entry, "role_label": team_role_label(entry.get("role", ""))} for entry in content.team]


def _form_error(form, exc: ValidationError) -> None:
    field = {"price": "price", "proposal": "proposal", "documents": "qualification_documents"}.get(
        getattr(exc, "code", ""), None
    )
    form.add_error(field, exc.messages)


def _open_tender(tender_id: int) -> Tender:
    tender = get_object_or_404(Tender.objects.select_related("method"), pk=tender_id)
    if not is_public_call(tender):
        raise Http404
    return tender


def _own_bid(user, pk: int) -> Bid:
    bid = get_object_or_404(Bid.objects.select_related("tender", "lot", "organization"), pk=pk)
    if not can_read_own_bid(user, bid):
        raise Http404
    return bid


@login_required
def my_bids(request):
    """Bids of the organizations the user belongs to (every status), newest first."""
    bids = bids_of_user(request.user)
    page = Paginator(bids, 30).get_page(request.GET.get("page"))
    return render(
        request, "procurement/tendering/bid_list.html", {"page_obj": page, "bids": page.object_list}
    )


@sensitive_variables()  # every frame below too (services, sealing): no local in error reports
@sensitive_post_parameters()
@_memory_uploads_only
@login_required
def bid_submit(request, tender_id: int):
    tender = _open_tender(tender_id)
    organizations = organizations_for_bidding(request.user)
    if not organizations:
        raise PermissionDenied(_("Only members of social organizations may bid."))
    lots = tender.lots.order_by("number")
    organization_id = request.POST.get("organization") or request.GET.get("organization")
    organization = next((o for o in organizations if str(o.pk) == str(organization_id)), organizations[0])
    existing = live_bid(organization=organization, tender=tender, lot_id=request.GET.get("lot"))
    if request.method == "GET" and existing is not None:
        return redirect("procurement:bid_replace", existing.pk)
    form = BidForm(
        request.POST or None,
        organizations=organizations,
        lots=lots,
        qualification_documents=qualification_documents_for_bid(organization),
        initial=bid_form_initial(organization=organization, lot=lots.first()),
    )
    team_form = _team_form(request, organization)
    refusal = bidding_refusal(tender)
    if request.method == "POST":
        if getattr(request, "_bid_upload_too_large", False):
            form.add_error(None, _("The files of a bid are too large together."))
        elif refusal:
            form.add_error(None, refusal)
        elif form.is_valid() and team_form.is_valid():
            try:
                bid = bids_services.bid_submit(
                    actor=request.user,
                    organization=form.cleaned_data["organization"],
                    lot=form.cleaned_data["lot"],
                    price=form.cleaned_data["price"],
                    proposal=form.cleaned_data["proposal"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    qualification_documents=[q.pk for q in form.cleaned_data["qualification_documents"]],
                    files=request.FILES.getlist("files"),
                    team=team_form.entries(),
                )
            except ValidationError as exc:
                _form_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
            else:
                messages.success(request, _("Your bid has been sealed and submitted. Keep the receipt."))
                return redirect("procurement:bid_detail", bid.pk)
    return render(
        request,
        "procurement/tendering/bid_form.html",
        {
            "tender": tender,
            "form": form,
            "team_form": team_form,
            "team_max": bid_team_max_size(),
            "refusal": refusal,
            "bid": None,
            "max_bytes": upload_limit(),
        },
    )


@sensitive_variables()
@login_required
def bid_detail(request, pk: int):
    """The receipt and, for the bidding organization's members, the bid in clear."""
    bid = _own_bid(request.user, pk)
    content = bid_read_own(actor=request.user, bid=bid)
    return render(
        request,
        "procurement/tendering/bid_detail.html",
        {
            "bid": bid,
            "tender": bid.tender,
            "content": content,
            "team": _team_context(content),
            "can_change": bid.is_live and bidding_refusal(bid.tender) is None,
            "needs_reconfirmation": bid_needs_reconfirmation(bid),
            "receipt": _signed_receipt(bid),
        },
    )


def _signed_receipt(bid: Bid) -> dict:
    receipt = receipts.receipt_of(bid)
    return {"receipt": receipt, "beijing": receipt.submitted_beijing, "signature": receipts.sign(receipt)}


@login_required
def bid_receipt(request, pk: int):
    """The signed receipt as a text file the bidder keeps (members of the bidding organization)."""
    bid = _own_bid(request.user, pk)
    text = receipts.receipt_text(
        receipts.receipt_of(bid), verify_url=request.build_absolute_uri(reverse("procurement:receipt_verify"))
    )
    response = HttpResponse(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    name = f"bid-receipt-{bid.tender.reference}-{bid.pk}.txt"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@sensitive_variables()
@sensitive_post_parameters()
@_memory_uploads_only
@login_required
def bid_replace(request, pk: int):
    bid = _own_bid(request.user, pk)
    tender = bid.tender
    content = bid_read_own(actor=request.user, bid=bid)
    organizations = [bid.organization]
    lots = tender.lots.filter(pk=bid.lot_id)
    form = BidForm(
        request.POST or None,
        organizations=organizations,
        lots=lots,
        qualification_documents=qualification_documents_for_bid(bid.organization),
        initial={
            "organization": bid.organization_id,
            "lot": bid.lot_id,
            "price": content.price,
            "proposal": content.proposal,
            "contact_name": content.contact_name,
            "contact_phone": content.contact_phone,
            "qualification_documents": [q["id"] for q in content.qualification_documents],
        },
    )
    team_form = _team_form(request, bid.organization, content.team)
    refusal = bidding_refusal(tender) or (None if bid.is_live else _("Only a live bid can be replaced."))
    if request.method == "POST":
        if getattr(request, "_bid_upload_too_large", False):
            form.add_error(None, _("The files of a bid are too large together."))
        elif refusal:
            form.add_error(None, refusal)
        elif form.is_valid() and team_form.is_valid():
            try:
                new = bids_services.bid_replace(
                    actor=request.user,
                    bid=bid,
                    price=form.cleaned_data["price"],
                    proposal=form.cleaned_data["proposal"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    qualification_documents=[q.pk for q in form.cleaned_data["qualification_documents"]],
                    keep_files=request.POST.getlist("keep_files"),
                    files=request.FILES.getlist("files"),
                    team=team_form.entries(),
                )
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Your bid has been replaced. Keep the new receipt."))
                return redirect("procurement:bid_detail", new.pk)
    return render(
        request,
        "procurement/tendering/bid_form.html",
        {
            "tender": tender,
            "form": form,
            "refusal": refusal,
            "bid": bid,
            "content": content,
            "team_form": team_form,
            "team_max": bid_team_max_size(),
            "max_bytes": upload_limit(),
        },
    )


@login_required
def bid_withdraw(request, pk: int):
    """Confirmation page (GET) and withdrawal (POST)."""
    bid = _own_bid(request.user, pk)
    refusal = bidding_refusal(bid.tender) or (None if bid.is_live else _("Only a live bid can be withdrawn."))
    if request.method == "POST" and not refusal:
        try:
            bids_services.bid_withdraw(actor=request.user, bid=bid)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(
                request, _("Your bid has been withdrawn. You may submit a new one before the deadline.")
            )
            return redirect("procurement:my_bids")
    return render(
        request,
        "procurement/tendering/bid_withdraw.html",
        {"bid": bid, "tender": bid.tender, "refusal": refusal},
    )


@require_POST
@login_required
def bid_reconfirm(request, pk: int):
    bid = _own_bid(request.user, pk)
    try:
        bids_services.bid_reconfirm(actor=request.user, bid=bid)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your bid is confirmed under the amended call."))
    return redirect("procurement:bid_detail", bid.pk)


@sensitive_variables()
@login_required
def bid_file(request, pk: int, file_id):
    """One file of the bid, decrypted for the bidding organization's members only."""
    bid = _own_bid(request.user, pk)
    try:
        data, info = bid_file_read_own(actor=request.user, bid=bid, file_id=str(file_id))
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(data, content_type=info.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(info.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")


@login_required
def tender_bids_staff(request, tender_id: int):
    """Staff: before opening only the number of bids per lot; after it, the opening record."""
    tender = get_object_or_404(Tender, pk=tender_id)
    if not can_view_bid_counts(request.user, tender):
        raise Http404
    return render(
        request,
        "procurement/tendering/bid_staff_tender.html",
        {"tender": tender, "summary": tender_bid_summary_for_staff(tender)},
    )
