from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import notifications, rules
from core.documents import can_view_document
from core.models import Document

NOTIFICATIONS_PER_PAGE = 20


def _redirect_back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
def notification_list(request):
    page = Paginator(notifications.notification_list(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk: int):
    notifications.notification_mark_read(actor=request.user, notification_id=pk)
    return _redirect_back(request, "core:notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications.notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _redirect_back(request, "core:notification_list")


@login_required
def notification_preferences(request):
    rows = notifications.preferences_for(user=request.user)
    if request.method == "POST":
        choices = {
            row["spec"].event: (
                row["spec"].email and f"email:{row['spec'].event}" in request.POST,
                f"in_app:{row['spec'].event}" in request.POST,
            )
            for row in rows
        }
        notifications.notification_preferences_save(actor=request.user, user=request.user, choices=choices)
        messages.success(request, _("Your notification preferences have been saved."))
        return redirect("core:notification_preferences")
    return render(
        request, "core/notification_preferences.html", {"rows": rows, "cap": rules.notify_daily_cap()}
    )


@require_GET
def document_download(request, public_id):
    """Serve a private document to a user the owner's rule allows; everyone else gets a 404, so
    the response does not reveal that the document exists."""
    document = get_object_or_404(Document.objects.select_related("owner_content_type"), public_id=public_id)
    if not can_view_document(request.user, document):
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_filename, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
