import os

import pytest
from django.db import connection


def _restore_data_after_transactional_tests(items) -> None:
    """A `transaction=True` test ends with a flush that empties every table, including the rows
    data migrations seeded (service categories, the Wagtail site root...). Later tests on the same
    worker, and the next `--reuse-db` session, would then see an empty database. Serialized rollback
    reloads the seeded state after each such test."""
    for item in items:
        for index, mark in enumerate(item.own_markers):
            if (
                mark.name == "django_db"
                and mark.kwargs.get("transaction")
                and "serialized_rollback" not in mark.kwargs
            ):
                item.own_markers[index] = pytest.mark.django_db(
                    *mark.args, **{**mark.kwargs, "serialized_rollback": True}
                ).mark
        if item.get_closest_marker("django_db") is None:
            continue
        mark = item.get_closest_marker("django_db")
        if mark.kwargs.get("transaction") and not mark.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(*mark.args, **{**mark.kwargs, "serialized_rollback": True}))


def pytest_collection_modifyitems(config, items):
    """postgres-marked tests skip on SQLite locally, but must run under CI=true: there a
    postgres test meeting another database fails instead of skipping."""
    from django.conf import settings

    _restore_data_after_transactional_tests(items)
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    in_ci = os.environ.get("CI", "").lower() == "true"
    for item in items:
        if item.get_closest_marker("postgres"):
            if in_ci:
                item.add_marker(pytest.mark.usefixtures("_fail_without_postgres"))
            else:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture
def _fail_without_postgres():
    pytest.fail("postgres-marked test ran without PostgreSQL under CI=true (set DATABASE_URL)")


@pytest.fixture(scope="session")
def _kept_menu(django_db_setup, django_db_blocker):
    """The site menu as production keeps it (cms/portal_menu.py: built from the page tree once, then
    read from the cache until a page changes), for the test client's host in both languages."""
    from django.core.cache import cache
    from django.db import DatabaseError
    from django.test import RequestFactory
    from django.utils import translation

    from cms.portal_menu import menu_cache_key, portal_menu
    from core.portal_cache import generation_key

    # the page tree's generation too: migrations publish pages (bumping it) before any test runs
    keys = [generation_key("cms")]
    with django_db_blocker.unblock():
        try:
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    request = RequestFactory().get("/")
                    portal_menu(request)
                    keys.append(menu_cache_key(request))
        except DatabaseError:  # no test database in this session: nothing to keep
            return {}
    return cache.get_many(keys)


@pytest.fixture(autouse=True)
def _fresh_cache(_kept_menu):
    """The cache (per-process memory in tests) holds rate-limit counters and the portal's kept pages:
    each test starts without another test's, with the site menu kept as it is in production (so a
    page's query count is its own; tests/cms/test_portal_tree.py counts the menu's)."""
    from django.core.cache import cache

    from core import remembered

    cache.clear()
    cache.set_many(_kept_menu, 3600)
    remembered.forget_all()  # what the process read from the cache just emptied


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Django reloads serialized data at the *start* of a serialized-rollback test, so the last
    transactional test of a session would leave an empty database behind for the next `--reuse-db`
    run. Reload the seeded state right after the flush instead."""
    yield
    mark = item.get_closest_marker("django_db")
    if not (mark and mark.kwargs.get("transaction")):
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for conn in connections.all():
            contents = getattr(conn, "_test_serialized_contents", None)
            if contents:
                conn.creation.deserialize_db_from_string(contents)
