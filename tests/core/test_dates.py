import datetime

from core.dates import add_months, add_years


def test_add_months_clamps_the_31st_to_a_shorter_months_last_day():
    assert add_months(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)


def test_add_months_crosses_year_boundaries_both_ways():
    assert add_months(datetime.date(2025, 11, 15), 3) == datetime.date(2026, 2, 15)
    assert add_months(datetime.date(2025, 2, 15), -3) == datetime.date(2024, 11, 15)


def test_add_years_turns_29_february_into_28_february():
    assert add_years(datetime.date(2024, 2, 29), 5) == datetime.date(2029, 2, 28)
    assert add_years(datetime.date(2024, 2, 29), -1) == datetime.date(2023, 2, 28)
    assert add_years(datetime.date(2024, 2, 29), 4) == datetime.date(2028, 2, 29)
