"""Cached portal pages (issue 14, point 9; core/portal_cache.py): anonymous visitors without a session
get a kept copy; a committed audited change or a Wagtail page action makes the pages that show it
fresh; signed-in users, sessions, forms, errors and POSTs are never served from (or put in) the cache."""

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

import audit
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core import portal_cache
from orgs import services
from orgs.models import CreditList, ListingTrigger
from procurement.models import TenderStatus
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, registry_admin
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

HEADER = portal_cache.HEADER


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PORTAL_CACHE = {**settings.PORTAL_CACHE, "ENABLED": True}


@pytest.fixture
def registry(db):
    return registry_admin()


def live_call(title: str) -> CallForBidsPage:
    tender = TenderFactory(title=title, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_defaults_are_pinned():
    from config.settings import base

    assert base.PORTAL_CACHE["TIMEOUT"] == 300
    assert base.PORTAL_CACHE["ENABLED"] is True
    paths = dict(base.PORTAL_CACHE["PATHS"])
    assert paths["/"] == portal_cache.TOPICS
    assert set(paths["/calls-for-bids/*"]) == {"procurement", "orgs", "cms"}


def test_paths_and_their_topics():
    assert portal_cache.topics_of_path("/") == portal_cache.TOPICS
    assert portal_cache.topics_of_path("/calls-for-bids/call-3/") == ("procurement", "orgs", "cms")
    assert portal_cache.topics_of_path("/volunteers/statistics/") == ("volunteers", "cms")  # the menu
    assert portal_cache.topics_of_path("/contracts/") == portal_cache.TOPICS  # a section page
    assert portal_cache.topics_of_path("/volunteers/me/") is None  # a person's own page
    assert portal_cache.topics_of_path("/accounts/login/") is None
    assert portal_cache.topics_of_path("/cms-admin/") is None


def test_actions_and_their_topics():
    assert portal_cache.topics_of_action("tender.publish") == ("procurement",)
    assert portal_cache.topics_of_action("credit_list.add") == ("orgs",)
    assert portal_cache.topics_of_action("hours.verify") == ("volunteers",)
    assert portal_cache.topics_of_action("user.login") == ()
    assert portal_cache.topics_of_action("something.new") == portal_cache.TOPICS  # unknown: all


# Actions that deliberately bump every topic: a stored document may belong to any room's page.
EVERY_TOPIC = {"document"}


def test_every_labelled_action_is_mapped_to_its_topic_or_ignored():
    """A new audit action gets a topic (or is ignored), so it does not empty the whole portal cache
    (a change to a referral must not make the procurement lists cold)."""
    from audit.labels import ACTION_LABELS

    prefixes = {action.split(".", 1)[0] for action in ACTION_LABELS}
    unmapped = prefixes - set(portal_cache.ACTION_TOPICS) - portal_cache.IGNORED_ACTIONS - EVERY_TOPIC
    assert unmapped == set()
    assert portal_cache.topics_of_action("referral.accept") == ("volunteers",)
    assert portal_cache.topics_of_action("credit_record.append") == ("orgs",)


def test_the_second_anonymous_request_is_served_from_the_cache_without_a_query(
    client, django_assert_num_queries
):
    live_call("社区居家养老服务项目")
    first = client.get("/calls-for-bids/")
    assert first.status_code == 200 and first[HEADER] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/calls-for-bids/")
    assert second[HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]
    # the same query in another order is the same page
    client.get("/orgs/?a=1&b=2")
    assert client.get("/orgs/?b=2&a=1")[HEADER] == "hit"


def test_publishing_a_call_makes_the_lists_fresh(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live_call("第一个项目")
    assert "第一个项目" in client.get("/calls-for-bids/").content.decode()
    assert client.get("/calls-for-bids/")[HEADER] == "hit"
    home = client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        live_call("第二个新项目")
    response = client.get("/calls-for-bids/")
    assert response[HEADER] == "miss"
    assert "第二个新项目" in response.content.decode()
    fresh_home = client.get("/")  # the home page's figures too
    assert fresh_home[HEADER] == "miss" and fresh_home.content != home


def test_an_audited_change_refreshes_only_the_pages_of_its_topic(
    client, registry, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(name="阳光助残服务社")
    client.get("/orgs/")
    client.get("/purchasing-plans/")
    assert client.get("/orgs/")[HEADER] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_list_add(
            actor=registry,
            organization=organization,
            list_type=CreditList.ABNORMAL,
            trigger=ListingTrigger.WARNING_OR_SMALL_FINE,
            listed_on=timezone.localdate(),
            reason="未按规定报送年度工作报告",
            deciding_authority="市民政局",
        )
    assert client.get("/orgs/")[HEADER] == "miss"
    assert client.get("/purchasing-plans/")[HEADER] == "hit"  # shows no organization


def test_a_rolled_back_change_and_an_ignored_action_bump_nothing(django_capture_on_commit_callbacks):
    before = portal_cache.generations(portal_cache.TOPICS)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(actor=None, action="tender.publish", object_type="x", object_id=1)
            raise RuntimeError
        audit.record(actor=None, action="user.login", object_type="x", object_id=1)
    assert portal_cache.generations(portal_cache.TOPICS) == before
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=None, action="tender.publish", object_type="x", object_id=1)
    after = portal_cache.generations(portal_cache.TOPICS)
    assert after[0] == before[0] + 1 and after[1:] == before[1:]


def test_signed_in_users_and_sessions_always_get_a_fresh_page(client):
    live_call("旧项目")
    client.get("/calls-for-bids/")
    assert client.get("/calls-for-bids/")[HEADER] == "hit"
    user = UserFactory()
    signed_in = Client()
    signed_in.force_login(user)
    response = signed_in.get("/calls-for-bids/")
    assert response.status_code == 200 and HEADER not in response
    with_session = Client()
    with_session.cookies["sessionid"] = "whatever"
    assert HEADER not in with_session.get("/calls-for-bids/")


def test_the_language_is_part_of_the_key(client):
    chinese = client.get("/purchasing-plans/")
    client.cookies["django_language"] = "en"
    english = client.get("/purchasing-plans/")
    assert english[HEADER] == "miss"
    assert chinese.content != english.content and 'lang="en"' in english.content.decode()
    assert client.get("/purchasing-plans/")[HEADER] == "hit"


def test_errors_forms_and_posts_are_never_kept(client):
    assert client.get("/calls-for-bids/no-such-call/").status_code == 404
    assert client.get("/calls-for-bids/no-such-call/").status_code == 404  # not served from a copy
    register = client.get("/orgs/register/")  # a form: it sets the CSRF cookie
    assert register.status_code == 200 and HEADER not in register
    assert HEADER not in client.get("/orgs/register/")
    assert HEADER not in client.post("/search/", {"q": "养老"})


def test_portal_pages_carry_no_csrf_token_and_the_language_switch_needs_none():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/purchasing-plans/")
    assert page[HEADER] == "miss" and "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/purchasing-plans/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"


def test_disabled_cache_keeps_nothing(client, settings):
    settings.PORTAL_CACHE = {**settings.PORTAL_CACHE, "ENABLED": False}
    client.get("/purchasing-plans/")
    assert HEADER not in client.get("/purchasing-plans/")


def test_the_credit_api_answer_changes_with_the_record_without_waiting(
    client, registry, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory()
    url = f"/orgs/api/{organization.uscc}/credit/"
    assert client.get(url).json()["credit_lists"]["entries"] == []
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_list_add(
            actor=registry,
            organization=organization,
            list_type=CreditList.ABNORMAL,
            trigger=ListingTrigger.WARNING_OR_SMALL_FINE,
            listed_on=timezone.localdate(),
            reason="未按规定报送年度工作报告",
            deciding_authority="市民政局",
        )
    assert len(client.get(url).json()["credit_lists"]["entries"]) == 1
