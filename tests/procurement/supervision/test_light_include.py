"""The light include and its template tags, for the tender, contract and milestone pages of other
rooms: the same light, label, reason and due date as on the board, in a fixed number of queries."""

import datetime as dt

import pytest
from django.template import Context, Engine
from django.utils import timezone, translation

from procurement.models import LightKind, TenderStatus
from procurement.supervision.selectors import item_light
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

ENGINE = Engine(
    app_dirs=True,
    # As the project will register it (procurement/templatetags/supervision_lights.py, see lighttags).
    libraries={"supervision_lights": "procurement.supervision.lighttags", "i18n": "django.templatetags.i18n"},
)


def _late_tender():
    return TenderFactory(status=TenderStatus.PUBLISHED, bid_deadline=timezone.now() - dt.timedelta(days=10))


def test_selector_gives_one_items_light_reason_due_date_and_department():
    tender = _late_tender()
    light = item_light(LightKind.TENDER, tender)
    assert (light.colour, light.due, light.department) == (
        "red",
        timezone.localdate(tender.bid_deadline),
        tender.department,
    )
    with translation.override("zh-hans"):
        assert item_light(LightKind.TENDER, tender).reason.startswith("开标")
        assert item_light(LightKind.TENDER, tender).colour_label == "红灯"


def test_badge_tag_renders_the_light_with_its_label_reason_and_due_date(django_assert_max_num_queries):
    tender = _late_tender()
    template = ENGINE.from_string('{% load supervision_lights %}{% item_light_badge "tender" tender %}')
    with translation.override("zh-hans"), django_assert_max_num_queries(5):
        html = template.render(Context({"tender": tender}))
    assert '<span class="lamp lamp--red">' in html
    assert '<span class="lamp__label">红灯</span>' in html
    assert "开标" in html and "逾期" in html
    assert f"{timezone.localdate(tender.bid_deadline):%Y-%m-%d}" in html
    assert tender.department.name in html


def test_light_of_tag_feeds_the_include():
    tender = TenderFactory(status=TenderStatus.PUBLISHED, bid_deadline=timezone.now() + dt.timedelta(days=60))
    template = ENGINE.from_string(
        '{% load supervision_lights %}{% item_light_of "tender" tender as light %}'
        '{% include "procurement/supervision/includes/light.html" with light=light hide_department=True %}'
    )
    with translation.override("zh-hans"):
        html = template.render(Context({"tender": tender}))
    assert '<span class="lamp lamp--green">' in html
    assert "距投标截止还有" in html
    assert tender.department.name not in html
