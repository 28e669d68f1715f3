from pathlib import Path

import polib
import pytest
import wagtail
from django.utils import translation
from django.utils.translation import gettext, ngettext

WAGTAIL = Path(wagtail.__file__).parent
# Strings whose Chinese is the same text.
SAME_IN_CHINESE = {"Wagtail API v3", "%(related_model_name)s %(field_label)s"}
# The Wagtail apps the project installs (config/settings/base.py).
APPS = ["admin", "", "users", "images", "documents", "snippets", "contrib/forms", "contrib/redirects"]


def wagtail_msgids_without_chinese(domain: str = "django") -> list[tuple[str, str]]:
    """(msgid, msgid_plural) of every string the installed Wagtail apps use (their "en" catalogue)
    that Wagtail's own zh_Hans catalogue does not translate."""
    missing = []
    for app in APPS:
        english = WAGTAIL / app / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        chinese = WAGTAIL / app / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        if not english.exists():
            continue
        translated = {(e.msgctxt, e.msgid) for e in polib.pofile(str(chinese)).translated_entries()}
        missing += [
            (e.msgid, e.msgid_plural)
            for e in polib.pofile(str(english))
            if not e.obsolete and (e.msgctxt, e.msgid) not in translated
        ]
    return missing


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Saved", "已保存"),
        ("Autosave is paused", "自动保存已暂停"),
        ("Checks", "检查"),
        ("Privacy and access", "隐私与访问"),
        ("Go to the first error", "转到第一个错误"),
    ],
)
def test_wagtail_strings_its_catalogue_lacks_are_chinese(msgid, chinese):
    with translation.override("zh-hans"):
        assert gettext(msgid) == chinese


def test_every_wagtail_admin_string_has_a_chinese_translation():
    with translation.override("zh-hans"):
        untranslated = [
            msgid
            for msgid, plural in wagtail_msgids_without_chinese()
            if (ngettext(msgid, plural, 2) if plural else gettext(msgid)) in (msgid, plural)
            and msgid not in SAME_IN_CHINESE
        ]
    assert untranslated == []


def test_django_filter_sort_options_are_chinese():
    # django-filter ships zh_CN only; its strings come from the project catalogue.
    with translation.override("zh-hans"):
        assert gettext("%s (descending)") % "名称" == "名称（降序）"
        assert gettext("Ordering") == "排序"
