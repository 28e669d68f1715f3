"""django-filter filter sets: the tender and clarification lists in the Wagtail admin; the filters every
public list shares (category, district, department, method, year, a stable sort) and the public list
of opening records."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from core.filters import DistrictFilter, RememberedModelChoiceFilter
from core.models import Department, District, ServiceCategory
from core.remembered import remember
from procurement.planning.models import ProcurementMethod
from procurement.tendering.models.bids import BidOpening
from procurement.tendering.models.tenders import Clarification, Tender, TenderStatus
from procurement.tendering.public_lists import public_openings


class TenderFilter(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TenderStatus.choices)

    class Meta:
        model = Tender
        fields = ["status", "method", "department"]


class ClarificationFilter(WagtailFilterSet):
    answered = django_filters.BooleanFilter(
        label=_("Answered"), field_name="answered_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Clarification
        fields = ["tender"]


# --- public lists (issue 14): shared filters, and the opening records ----------------------------
#
# Every public list filters by the same GET parameters (category, district, department, year,
# sort, and the list's own), by codes rather than ids, so that a filtered list is a URL one can
# share; the page, its sort links and its downloads (`&format=csv|xlsx`) apply the same filter set.


class StableOrderingFilter(django_filters.OrderingFilter):
    """An ordering that ends with the primary key (in the first key's direction), so that rows with
    equal values keep their order from one page to the next."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value and value[0]:
            direction = "-" if value[0].startswith("-") else ""
            qs = qs.order_by(*qs.query.order_by, f"{direction}pk")
        return qs


def _code_choice(label, queryset, field_name: str, remember_as: str, *, method=None, kind=None):
    """A select of reference rows by their codes; the options are remembered until a reference row
    changes (core.filters). `method`: the filter set's method instead of a field lookup."""
    extra = {"method": method} if method else {"field_name": field_name}
    return (kind or RememberedModelChoiceFilter)(
        label=label,
        to_field_name="code",
        empty_label=_("All"),
        queryset=queryset,
        remember_as=remember_as,
        **extra,
    )


def category_filter(field_name: str = "", *, method=None) -> django_filters.ModelChoiceFilter:
    return _code_choice(
        _("Service category"),
        ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code"),
        field_name,
        "top-categories",
        method=method,
    )


def district_filter(department_field: str, *, joined: bool = False) -> django_filters.ModelChoiceFilter:
    """The district select; `department_field` names the rows' purchasing unit ("tender__department").
    By the district's units' ids (`DistrictFilter`), or through the units' table when `joined`."""
    districts = District.objects.order_by("sort_order", "code")
    if joined:
        return _code_choice(_("District"), districts, f"{department_field}__district", "districts")
    return _code_choice(_("District"), districts, department_field, "districts", kind=DistrictFilter)


def department_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return _code_choice(_("Purchasing unit"), Department.objects.order_by("name"), field_name, "departments")


def method_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return _code_choice(
        _("Procurement method"),
        ProcurementMethod.objects.order_by("sort_order", "code"),
        field_name,
        "methods",
    )


class _ChoicesOnce:
    """Callable choices asked for once per form: a form field asks a callable again each time the
    value is checked and each time the select is drawn (each time a query)."""

    @property
    def field(self):
        if not hasattr(self, "_field") and callable(self.extra.get("choices")):
            # this filter is the filter set's own copy (FilterSet.__init__ deep-copies them)
            self.extra["choices"] = list(self.extra["choices"]())
        return super().field


class OnceChoiceFilter(_ChoicesOnce, django_filters.ChoiceFilter):
    pass


class OnceTypedChoiceFilter(_ChoicesOnce, django_filters.TypedChoiceFilter):
    pass


def year_filter(field_name: str, label, years) -> django_filters.TypedChoiceFilter:
    """The year (in the site's time zone) of the datetime `field_name`; `years()` gives the
    choices, newest first (asked for once per form)."""
    return OnceTypedChoiceFilter(
        label=label,
        field_name=field_name,
        lookup_expr="year",
        coerce=int,
        choices=lambda: [("", _("All")), *((year, str(year)) for year in years())],
    )


def years_of(queryset, field_name: str) -> list[int]:
    """The years (in the site's time zone) from the first to the last value of the datetime
    `field_name` in `queryset`, newest first. Two queries that each read one row along an index of
    the field, however many rows there are (a whole-table DISTINCT grows with the data); a year
    without rows between the first and the last is offered too, and filtering by it shows an empty
    list."""
    values = queryset.order_by().filter(**{f"{field_name}__isnull": False}).values_list(field_name, flat=True)
    first = values.order_by(field_name).first()
    if first is None:
        return []
    last = values.order_by(f"-{field_name}").first()
    return list(range(timezone.localtime(last).year, timezone.localtime(first).year - 1, -1))


def remembered_years(name: str, queryset, field_name: str, *topics: str) -> list[int]:
    """`years_of(queryset(), field_name)`, remembered by this process until the portal cache's
    `topics` move (every audited change of their rows; core.remembered)."""
    return remember(f"years:{name}", lambda: years_of(queryset(), field_name), *topics)


def opening_years() -> list[int]:
    return remembered_years("openings", lambda: public_openings().order_by(), "opened_at", "procurement")


class PublicOpeningFilter(django_filters.FilterSet):
    """The public list of opening records (`procurement:opening_record_list`)."""

    category = category_filter("tender__budget_line__category")
    district = district_filter("tender__department")
    department = department_filter("tender__department")
    method = method_filter("tender__method")
    year = year_filter("opened_at", _("Year opened"), opening_years)
    sort = StableOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Newest opening first"),
        fields=(("opened_at", "opened"), ("bid_count", "bids")),
        field_labels={
            "-opened": _("Newest opening first"),
            "opened_at": _("Oldest opening first"),
            "-bids": _("Most bids first"),
            "bid_count": _("Fewest bids first"),
        },
    )

    class Meta:
        model = BidOpening
        fields = ["category", "district", "department", "method", "year"]
