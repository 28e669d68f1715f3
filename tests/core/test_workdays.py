import datetime as dt

import pytest
import time_machine

from core.models import CalendarOverride
from core.workdays import add_working_days, is_working_day, missing_schedule_year, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


def test_national_day_week_2026_is_off_and_make_up_days_are_working():
    for day in range(1, 8):
        assert not is_working_day(D(2026, 10, day)), f"2026-10-0{day} is a holiday"
    # Make-up workdays: a Sunday and a Saturday.
    assert D(2026, 9, 20).weekday() == 6 and is_working_day(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and is_working_day(D(2026, 10, 10))
    assert is_working_day(D(2026, 10, 8))


def test_add_working_days_across_national_day_2026():
    # Wed 30 Sep + 1 wd: 1-7 Oct off, so Thu 8 Oct.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # + 3 wd: 8 Oct, 9 Oct, then Saturday 10 Oct (make-up workday).
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # 7 wd from Fri 18 Sep: 20 (Sun, make-up), 21, 22, 23, 24, 28, 29 (25 Sep is Mid-Autumn).
    assert add_working_days(D(2026, 9, 18), 7) == D(2026, 9, 29)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert add_working_days(D(2026, 10, 10), -3) == D(2026, 9, 30)


def test_2027_without_announced_schedule_does_not_crash():
    assert not is_working_day(D(2027, 1, 1))  # estimated New Year's Day
    assert is_working_day(D(2027, 3, 3))
    result = add_working_days(D(2027, 9, 28), 10)
    assert result > D(2027, 10, 8)
    assert working_days_between(D(2026, 12, 25), D(2027, 1, 8)) > 0


def test_override_changes_a_result():
    # Without an override, Saturday 2027-02-20 is a day off.
    assert add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 22)
    CalendarOverride.objects.create(
        date=D(2027, 2, 20), is_working_day=True, source="国务院办公厅通知（测试）"
    )
    assert is_working_day(D(2027, 2, 20))
    assert add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 20)
    # An override also wins over the package: make a 2026 make-up workday a day off.
    CalendarOverride.objects.create(date=D(2026, 10, 10), is_working_day=False, source="测试")
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 12)


def test_aware_datetimes_count_in_shanghai_time():
    from zoneinfo import ZoneInfo

    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Shanghai: a holiday.
    moment = dt.datetime(2026, 9, 30, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert not is_working_day(moment)


def test_missing_schedule_warning_from_december():
    assert missing_schedule_year(D(2026, 11, 30)) is None
    assert missing_schedule_year(D(2026, 12, 1)) == 2027
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, source="测试")
    assert missing_schedule_year(D(2026, 12, 1)) is None


def test_admin_dashboard_warns_when_next_year_missing(client):
    from accounts.roles import Role
    from tests.factories import staff_user

    client.force_login(staff_user(Role.BUREAU_ADMIN))
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        body = client.get("/cms-admin/").content.decode()
    assert "2027" in body and "工作日调整" in body
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        body = client.get("/cms-admin/").content.decode()
    assert "尚未录入" not in body
