"""Values remembered by each process until their data changes (issue 17; core/remembered.py), and
the public lists' reference selects drawn from them (core/filters.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core import portal_cache, remembered
from core.models import District
from procurement.contracts.filters import PublicContractFilter
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db


class Builds:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


def test_a_value_is_built_once_per_generation_and_language():
    build = Builds()
    assert remembered.remember("t:once", build) == 1
    assert remembered.remember("t:once", build) == 1
    with translation.override("en"):
        assert remembered.remember("t:once", build) == 2
        assert remembered.remember("t:once", build) == 2
    assert remembered.remember("t:once", build) == 1
    remembered.bump()
    assert remembered.remember("t:once", build) == 3
    assert build.count == 3


def test_saving_or_deleting_a_reference_row_moves_the_generation_at_once_and_at_commit(
    django_capture_on_commit_callbacks,
):
    before = remembered.generation()
    with django_capture_on_commit_callbacks(execute=True):
        district = DistrictFactory()
        assert remembered.generation() == before + 1  # at once, before the commit
    assert remembered.generation() == before + 2  # and again at commit
    district.delete()
    assert remembered.generation() == before + 3


def test_a_value_drawn_from_a_topic_follows_the_portal_generation():
    build = Builds()
    assert remembered.remember("t:topic", build, "procurement") == 1
    portal_cache.bump("orgs")
    assert remembered.remember("t:topic", build, "procurement") == 1
    portal_cache.bump("procurement")
    assert remembered.remember("t:topic", build, "procurement") == 2


def test_a_lost_generation_starts_again_from_a_value_nothing_was_remembered_under():
    build = Builds()
    assert remembered.remember("t:lost", build) == 1
    cache.delete(remembered.GENERATION_KEY)
    remembered.forget_read()  # as at the start of the next request
    assert remembered.remember("t:lost", build) == 2
    cache.clear()  # a flushed cache: the topics' generations start again from nothing too
    remembered.forget_read()
    assert remembered.remember("t:lost", build, "procurement") == 3


def test_a_new_generation_drops_the_values_of_the_old_ones():
    remembered.forget_all()
    remembered.remember("t:drop", Builds())
    remembered.bump()
    remembered.remember("t:drop", Builds())
    assert len([key for key in remembered._values if key[0] == "t:drop"]) == 1


def _district_select(data=None) -> tuple[str, object]:
    form = PublicContractFilter(data or {}, queryset=None).form
    return str(form["district"]), form


def test_the_districts_select_is_drawn_from_remembered_rows_and_shows_a_new_district_at_once():
    DistrictFactory(code="329901", name="测试甲区")
    first, _form = _district_select()
    assert 'value="329901"' in first and "测试甲区" in first
    with CaptureQueriesContext(connection) as drawn:
        again, _form = _district_select()
    assert again == first
    assert not [q for q in drawn.captured_queries if "core_district" in q["sql"]]
    DistrictFactory(code="329902", name="测试乙区")
    after, _form = _district_select()
    assert 'value="329902"' in after and "测试乙区" in after


def test_a_chosen_district_is_still_checked_against_the_database():
    DistrictFactory(code="329901", name="测试甲区")
    _district_select()  # remembered
    District.objects.filter(code="329901").update(code="329999")  # a set-based change sends no signal
    _select, form = _district_select({"district": "329901"})
    assert not form.is_valid() and "district" in form.errors
    _drawn, form = _district_select({"district": "329999"})
    assert form.is_valid(), form.errors


def test_no_value_is_kept_longer_than_the_portal_caches_timeout(settings, monkeypatch):
    settings.PORTAL_CACHE = {**settings.PORTAL_CACHE, "TIMEOUT": 60}
    clock = [1000.0]
    monkeypatch.setattr(remembered.time, "monotonic", lambda: clock[0])
    build = Builds()
    assert remembered.remember("t:age", build) == 1
    clock[0] += 59
    assert remembered.remember("t:age", build) == 1
    clock[0] += 2  # a change made in a process whose cache is not shared is seen by then
    assert remembered.remember("t:age", build) == 2


def test_a_request_reads_the_generations_once_and_the_next_request_reads_them_again():
    from django.core.signals import request_started

    build = Builds()
    assert remembered.remember("t:read", build, "procurement") == 1
    cache.set(portal_cache.generation_key("procurement"), 12345)  # moved by another process
    assert remembered.remember("t:read", build, "procurement") == 1  # within this request
    request_started.send(sender=None)
    assert remembered.remember("t:read", build, "procurement") == 2


def test_a_request_reads_every_generation_in_one_round_trip(monkeypatch):
    from django.core.signals import request_started

    request_started.send(sender=None)
    reads = []
    real = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(list(keys)) or real(keys))
    remembered.remember("t:trip:a", Builds(), "procurement")
    remembered.remember("t:trip:b", Builds(), "volunteers", "cms")
    assert portal_cache.request_generations(["orgs", "procurement"]) == portal_cache.generations(
        ["orgs", "procurement"]
    )
    # the first read took every generation a page asks for; `generations` itself reads the cache
    assert reads[0] == list(remembered._ALL_KEYS) and len(reads) == 2


def test_a_value_under_another_key_replaces_the_one_kept_before():
    build = Builds()
    assert remembered.remember("t:key", build, key="2026-12-07") == 1
    assert remembered.remember("t:key", build, key="2026-12-07") == 1
    assert remembered.remember("t:key", build, key="2026-12-08") == 2
    assert len([kept for kept in remembered._values if kept[0] == "t:key"]) == 1
    assert remembered.remember("t:key", build, key="2026-12-07") == 3


def test_the_calendars_overrides_are_read_once_and_a_new_one_applies_at_once(django_assert_num_queries):
    import datetime as dt

    from core.models import CalendarOverride
    from core.workdays import add_working_days, is_working_day

    saturday = dt.date(2026, 12, 12)
    assert not is_working_day(saturday)
    with django_assert_num_queries(0):
        assert add_working_days(dt.date(2026, 12, 11), 1) == dt.date(2026, 12, 14)
    CalendarOverride.objects.create(date=saturday, is_working_day=True, source="调休")
    assert is_working_day(saturday)
    assert add_working_days(dt.date(2026, 12, 11), 1) == saturday
