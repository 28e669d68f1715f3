import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

import audit
from accounts.roles import Role
from audit.labels import ACTION_LABELS, action_label, has_label
from audit.models import Event
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_every_registered_action_has_a_chinese_label():
    with translation.override("en"):
        english = {action: str(label) for action, label in ACTION_LABELS.items()}
    with translation.override("zh-hans"):
        untranslated = [action for action, label in ACTION_LABELS.items() if str(label) == english[action]]
    assert untranslated == []


def test_tender_award_is_shown_in_chinese():
    with translation.override("zh-hans"):
        assert action_label("tender.award") == "确定中标"
    with translation.override("en"):
        assert action_label("tender.award") == "Call awarded"


def test_reference_data_actions_are_named_after_their_model():
    assert has_label("district.create")
    with translation.override("zh-hans"):
        assert action_label("district.create").startswith("新增")


def test_an_unknown_action_is_shown_as_its_code():
    assert not has_label("nothing.here")
    assert action_label("nothing.here") == "nothing.here"


def test_template_filters_show_action_and_system_or_anonymous_actor():
    system = audit.record(actor=None, action="tender.award", object_type="t.t", object_id=1)
    anonymous = audit.record(
        actor=AnonymousUser(), action="public_report.file", object_type="t.t", object_id=2
    )
    template = Template("{% load audit_tags %}{{ e.action|audit_action }}/{{ e|audit_actor }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"e": system})) == "确定中标/系统"
        assert template.render(Context({"e": anonymous})) == "提交公众举报/匿名"


def test_audit_viewer_lists_and_inspects_actions_in_chinese(client):
    audit.record(actor=AnonymousUser(), action="tender.award", object_type="t.t", object_id=1)
    client.force_login(staff_user(Role.SUPERVISOR))
    with translation.override("zh-hans"):
        listing = client.get(reverse("audit_event:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        inspect = client.get(
            reverse("audit_event:inspect", args=[Event.objects.get().pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    for page in (listing, inspect):
        assert "确定中标" in page
        assert "匿名" in page
        assert "AnonymousUser" not in page
