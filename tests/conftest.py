import os

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """postgres-marked tests skip on SQLite locally, but must run under CI=true: there a
    postgres test meeting another database fails instead of skipping."""
    from django.conf import settings

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


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
