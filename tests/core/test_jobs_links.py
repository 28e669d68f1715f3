"""Where users find My background work (/jobs/): the workbench lists it for anyone who has started a
job; the site's header offers it to staff roles and organization members (who start imports and
exports) and to anyone whose session has seen a job of theirs, without adding a query to any page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from core.models import Job, JobStatus
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

JOBS = reverse("core:job_list")


def _job(owner) -> Job:
    return Job.objects.create(owner=owner, kind="t", title="导出：志愿者", runner="-", status=JobStatus.DONE)


def _header(body: str) -> str:
    return body.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def _main(body: str) -> str:
    return body.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"#]+)"', html)


def test_the_workbench_lists_background_work_once_the_user_has_a_job(client):
    user = UserFactory(roles=[Role.VOLUNTEER])
    client.force_login(user)
    assert JOBS not in _links(_main(client.get("/workbench/").content.decode()))
    _job(user)
    body = client.get("/workbench/").content.decode()
    assert JOBS in _links(_main(body))
    # and the link works for that user
    assert client.get(JOBS).status_code == 200
    # another user's job does not make the link appear
    client.force_login(UserFactory())
    assert JOBS not in _links(_main(client.get("/workbench/").content.decode()))


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: staff_user(Role.REGISTRY_ADMIN), id="registry admin"),
        pytest.param(lambda: member(OrganizationFactory()), id="organization member"),
    ],
)
def test_the_header_offers_background_work_to_those_who_start_jobs(client, make_user):
    client.force_login(make_user())
    body = client.get(reverse("core:notification_list")).content.decode()
    assert JOBS in _links(_header(body))
    assert "我的后台任务" in _header(body)


def test_the_header_offers_it_to_others_once_their_session_has_seen_a_job(client):
    user = UserFactory(roles=[Role.VOLUNTEER])
    client.force_login(user)
    page = reverse("core:notification_list")
    client.get(page)  # the session's first read
    with CaptureQueriesContext(connection) as without_link:
        body = client.get(page).content.decode()
    assert JOBS not in _links(_header(body))

    job = _job(user)
    assert client.get(job.get_absolute_url()).status_code == 200  # where every job start leads
    with CaptureQueriesContext(connection) as with_link:
        body = client.get(page).content.decode()
    assert JOBS in _links(_header(body))
    assert len(with_link.captured_queries) == len(without_link.captured_queries)  # no query added
    # the roles the header reads are the ones the middleware has read: no query runs twice
    reads = [q["sql"] for q in with_link.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == len(set(reads)), "\n".join(reads)

    # a superuser looking at someone else's job does not get the flag from it
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.get(job.get_absolute_url())
    assert not client.session.get("core_has_jobs")


def test_the_header_has_no_link_for_visitors_or_users_without_jobs(client):
    assert JOBS not in _links(_header(client.get(reverse("accounts:login")).content.decode()))
    client.force_login(UserFactory(roles=[Role.VOLUNTEER]))
    assert JOBS not in _links(_header(client.get(reverse("core:notification_list")).content.decode()))
