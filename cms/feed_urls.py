"""The public feeds under /feeds/ (RSS 2.0 and Atom 1.0): new calls for bids and award notices, each
filterable by `?category=<code>&district=<code>`. The contracts feed is procurement's own
(`procurement:contract_feed_rss`, /procurement/contracts/feed/rss/): a domain app never depends on cms."""

from django.urls import path

from cms.feeds import AwardNoticesAtomFeed, AwardNoticesRssFeed, CallsAtomFeed, CallsRssFeed

app_name = "feeds"

urlpatterns = [
    path("calls/rss/", CallsRssFeed(), name="calls_rss"),
    path("calls/atom/", CallsAtomFeed(), name="calls_atom"),
    path("award-notices/rss/", AwardNoticesRssFeed(), name="award_notices_rss"),
    path("award-notices/atom/", AwardNoticesAtomFeed(), name="award_notices_atom"),
]
