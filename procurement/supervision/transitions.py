"""The status machine of a public report (投诉举报), as data: every allowed transition and the one
service that performs it.

submitted → accepted (受理) → concluded; submitted → declined (不予受理). Declined and concluded are
final; assigning a handler leaves the status as it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from procurement.supervision.models import PublicReport
from procurement.supervision.models import PublicReportStatus as S

# (from, to) -> name of the service in procurement.supervision.services.public_reports that performs it.
PUBLIC_REPORT_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, S.ACCEPTED): "public_report_accept",
    (S.SUBMITTED, S.DECLINED): "public_report_decline",
    (S.ACCEPTED, S.CONCLUDED): "public_report_conclude",
}


def check_public_report_transition(current: str, target: str) -> None:
    """Raise a ValidationError when `current → target` is not in `PUBLIC_REPORT_TRANSITIONS`."""
    if (current, target) not in PUBLIC_REPORT_TRANSITIONS:
        raise ValidationError(
            _("%(record)s in status “%(current)s” cannot become “%(target)s”.")
            % {
                "record": PublicReport._meta.verbose_name,
                "current": S(current).label,
                "target": S(target).label,
            },
            code="transition_not_allowed",
        )
