"""The public credit directory's page rows and download (issue 14): each verified organization with
its current grade and grade history, its credit-list state and listing history (all public under
《社会组织信用信息管理办法》), never its legal representative, contacts or documents. The history is
prefetched: the page and the download read a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from orgs.models import CreditListEntry, EvaluationGrade, Grade


def with_history(queryset: QuerySet) -> QuerySet:
    """`queryset` of directory organizations with their grades (newest first) and credit-list
    entries (newest first) prefetched."""
    return queryset.prefetch_related(
        Prefetch(
            "grades",
            queryset=EvaluationGrade.objects.only(
                "organization_id", "grade", "granted_on", "expires_on"
            ).order_by("-granted_on"),
        ),
        Prefetch(
            "credit_list_entries",
            queryset=CreditListEntry.objects.only(
                "organization_id", "list_type", "listed_on", "removed_on", "reason", "deciding_authority"
            ).order_by("-listed_on", "-pk"),
        ),
    )


def grade_history(organization) -> str:
    return "；".join(
        f"{Grade(g.grade).label} {g.granted_on:%Y-%m-%d} – {g.expires_on:%Y-%m-%d}"
        for g in organization.grades.all()
    )


def list_history(organization) -> str:
    rows = []
    for entry in organization.credit_list_entries.all():
        until = f"{entry.removed_on:%Y-%m-%d}" if entry.removed_on else _("now")
        rows.append(
            f"{entry.get_list_type_display()} {entry.listed_on:%Y-%m-%d} – {until}："
            f"{entry.reason}（{entry.deciding_authority}）"
        )
    return "；".join(rows)


def _current_grade(organization) -> str:
    return Grade(organization.current_grade).label if organization.current_grade else ""


def _grade_valid(organization):
    if not organization.current_grade:
        return None
    return organization.current_grade_expires_on > timezone.localdate()


DIRECTORY_EXPORT_COLUMNS = [
    (gettext_lazy("Name"), lambda o: o.name),
    (gettext_lazy("Unified social credit code"), lambda o: o.uscc),
    (gettext_lazy("Type"), lambda o: o.get_org_type_display()),
    (gettext_lazy("District"), lambda o: o.district.name if o.district_id else ""),
    (gettext_lazy("Service categories"), lambda o: "、".join(c.name for c in o.service_categories.all())),
    (gettext_lazy("Founding date"), lambda o: o.founded_on),
    (pgettext_lazy("organization", "Grade"), _current_grade),
    (gettext_lazy("Grade valid until"), lambda o: o.current_grade_expires_on),
    (gettext_lazy("Grade still valid"), _grade_valid),
    (gettext_lazy("Grade history"), grade_history),
    (gettext_lazy("On the abnormal activity list"), lambda o: o.on_abnormal_list),
    (gettext_lazy("On the serious violation list"), lambda o: o.on_serious_list),
    (gettext_lazy("Credit list history"), list_history),
    (gettext_lazy("Latest annual report (year)"), lambda o: o.latest_report_year),
]
