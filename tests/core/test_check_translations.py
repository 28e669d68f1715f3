import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy, pgettext_lazy

from audit import labels
from core.management.commands import check_translations
from orgs.models import CreditRecord


def run():
    call_command("check_translations", "--no-refresh", "--conflicts")


def test_the_project_passes_the_stricter_check():
    run()


def test_an_untranslated_choice_label_of_a_model_field_fails_the_check(monkeypatch):
    field = CreditRecord._meta.get_field("kind")
    monkeypatch.setattr(
        field, "choices", [*field.choices, ("new", gettext_lazy("A label nobody translated"))]
    )
    with pytest.raises(CommandError):
        run()
    problems = check_translations.choice_label_problems({})
    assert "orgs.CreditRecord.kind: untranslated choice label: 'A label nobody translated'" in problems


def test_a_choice_label_not_marked_for_translation_fails_but_codes_and_chinese_pass(monkeypatch):
    field = CreditRecord._meta.get_field("kind")
    monkeypatch.setattr(field, "choices", [("x", "Plain English"), ("a", "A"), ("y", "2025"), ("z", "表彰")])
    problems = [
        p for p in check_translations.choice_label_problems({}) if p.startswith("orgs.CreditRecord.kind")
    ]
    assert problems == ["orgs.CreditRecord.kind: untranslated choice label: 'Plain English'"]


def test_an_audit_action_without_a_chinese_label_fails_the_check(monkeypatch):
    monkeypatch.setattr(
        check_translations, "audit_actions_in_source", lambda base: {"widget.frobnicate": "x/services.py"}
    )
    with pytest.raises(CommandError):
        run()
    problems = check_translations.audit_action_problems({})
    assert problems == [
        "x/services.py: audit action without a Chinese label in audit/labels.py: 'widget.frobnicate'"
    ]


def test_an_audit_label_without_a_translation_fails_the_check(monkeypatch):
    monkeypatch.setitem(
        labels.ACTION_LABELS, "widget.frobnicate", pgettext_lazy("audit action", "Frobnicated")
    )
    with pytest.raises(CommandError):
        run()


def test_audit_actions_are_found_in_record_calls_and_conditional_expressions(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(
        "import audit\n"
        "def f(created):\n"
        "    audit.record(actor=None, action='thing.create' if created else 'thing.update')\n"
        "    _move(action='thing.move')\n"
        "    has_perm(action='view')\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("record(action='test.only')\n")
    found = check_translations.audit_actions_in_source(tmp_path)
    assert sorted(found) == ["thing.create", "thing.move", "thing.update"]
