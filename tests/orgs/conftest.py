import importlib

import pytest

from tests.orgs.factories import registry_admin


@pytest.fixture(autouse=True)
def _service_categories(db):
    """The eight categories come from a data migration; a transactional test elsewhere in the run
    may have flushed them, so make sure they exist."""
    from django.apps import apps as django_apps

    from core.models import ServiceCategory

    if not ServiceCategory.objects.exists():
        migration = importlib.import_module("core.migrations.0002_seed_categories")
        migration.seed(django_apps, None)


@pytest.fixture
def registry(db):
    return registry_admin()
