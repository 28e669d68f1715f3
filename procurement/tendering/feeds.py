"""RSS and Atom feeds of the public procurement lists (issue 14, point 7): the shared base. Each feed
is one public list, newest first, at most `FEED_SIZE` items, filtered by service category and district
(`?category=<code>&district=<code>`; an unknown code is a 404). Items carry only public fields (title,
reference, purchasing unit, category, district, amounts and dates), never a bid, a contact person or
anything unpublished. The calls and award notices feeds live in `cms.feeds` (their items are served by
Wagtail pages), the contracts feed in `procurement.contracts.feeds`.

A `Feed` instance is shared by every request: per-request state (the filters, the list URL, the items
with their links already made) lives in the object `get_object` returns, never on the feed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from core.models import District, ServiceCategory

FEED_SIZE = 50
# A filter value is a short code (slug or GB/T 2260 division code); anything longer is not one.
_MAX_CODE_LENGTH = 40


@dataclass
class FeedItem:
    title: str
    link: str
    description: str
    published: object  # an aware datetime
    guid: str


@dataclass
class FeedRequest:
    """What one request asks of a feed: its filters and, once read, its items."""

    request: object
    category: ServiceCategory | None = None
    district: District | None = None
    items: list[FeedItem] = field(default_factory=list)
    link: str = "/"

    def title_suffix(self) -> str:
        names = [f.name for f in (self.category, self.district) if f is not None]
        return f"（{'，'.join(names)}）" if names else ""


def _code(request, name: str) -> str | None:
    values = request.GET.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise Http404
    value = values[0].strip()
    if not value or len(value) > _MAX_CODE_LENGTH:
        raise Http404
    return value


def feed_request(request) -> FeedRequest:
    """The filters of `request` (`category`, `district`, by code); Http404 for an unknown code."""
    wanted = FeedRequest(request=request)
    category = _code(request, "category")
    if category is not None:
        wanted.category = ServiceCategory.objects.filter(code=category).first()
        if wanted.category is None:
            raise Http404
    district = _code(request, "district")
    if district is not None:
        wanted.district = District.objects.filter(code=district).first()
        if wanted.district is None:
            raise Http404
    return wanted


def filter_tenders(queryset, wanted: FeedRequest, *, prefix: str = ""):
    """`queryset` (of tenders, or of rows reaching a tender through `prefix`, e.g. "tender__") limited to
    the category (of the tender's budget line, or a sub-category of it) and the district (of the
    purchasing unit)."""
    if wanted.category is not None:
        queryset = queryset.filter(
            Q(**{f"{prefix}budget_line__category": wanted.category})
            | Q(**{f"{prefix}budget_line__category__parent": wanted.category})
        )
    if wanted.district is not None:
        queryset = queryset.filter(**{f"{prefix}department__district": wanted.district})
    return queryset


def local(moment):
    """An aware datetime in the site's time zone (Asia/Shanghai), None stays None."""
    return timezone.localtime(moment) if moment is not None else None


def line(label, value) -> str:
    """One "label：value" line of an item's description."""
    return f"{label}：{value}"


class PortalFeed(Feed):
    """The RSS 2.0 base. Subclasses set `title_text`, `description_text` and fill `load(wanted)`
    (which sets `wanted.link` and `wanted.items`)."""

    title_text = ""
    description_text = ""

    def get_object(self, request, *args, **kwargs):
        wanted = feed_request(request)
        self.load(wanted)
        return wanted

    def load(self, wanted: FeedRequest) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def title(self, obj):
        return f"{self.title_text}{obj.title_suffix()}"

    def link(self, obj):
        return obj.link

    def description(self, obj):
        return str(self.description_text)

    def subtitle(self, obj):
        return str(self.description_text)

    def items(self, obj):
        return obj.items

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return item.link

    def item_description(self, item):
        return item.description

    def item_pubdate(self, item):
        return item.published

    def item_updateddate(self, item):
        return item.published

    def item_guid(self, item):
        return item.guid

    def item_guid_is_permalink(self, item):
        return False


class AtomMixin:
    feed_type = Atom1Feed
