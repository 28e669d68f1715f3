from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "core", "orgs", "procurement", "volunteers", "cms", "auth"}
    }


def test_seed_demo_twice_gives_the_same_counts(settings):
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert first["accounts.User"] >= 9


def test_every_demo_user_can_log_in(client, settings):
    call_command("seed_demo", stdout=StringIO())
    from accounts.demo import DEMO_USERS

    for username, *_ in DEMO_USERS:
        assert client.login(username=username, password=settings.DEMO_PASSWORD), username
        client.logout()


def test_seed_demo_refuses_production_settings(settings):
    settings.SETTINGS_KIND = "prod"
    with pytest.raises(CommandError):
        call_command("seed_demo")
