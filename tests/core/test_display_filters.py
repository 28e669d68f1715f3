import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.roles import Role, role_label


@pytest.mark.parametrize(
    ("minutes", "chinese", "english"),
    [
        (180, "3小时", "3 h"),
        (150, "2小时30分钟", "2 h 30 min"),
        (45, "45分钟", "45 min"),
        (0, "0分钟", "0 min"),
        (None, "", ""),
    ],
)
def test_duration_is_shown_in_hours_and_minutes_in_the_active_language(minutes, chinese, english):
    template = Template("{% load display %}{{ m|duration }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"m": minutes})) == chinese
    with translation.override("en"):
        assert template.render(Context({"m": minutes})) == english


def test_role_codes_are_shown_by_their_translated_label():
    template = Template("{% load display %}{{ name|role_label }}")
    with translation.override("zh-hans"):
        shown = template.render(Context({"name": "bureau_admin"}))
        assert shown == str(Role.BUREAU_ADMIN.label)
        assert shown != "bureau_admin" and shown != "System administrator"
    assert role_label("Editors") == "Editors"
