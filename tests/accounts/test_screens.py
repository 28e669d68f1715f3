"""Accounts' screens as the journey tests saw them: the staff list on a phone and in Chinese (the
table scrolls inside a box reachable by keyboard, a person's name is headed 姓名, not 名称); the
sign-up form marks the privacy consent as required."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_the_staff_list_table_sits_in_a_focusable_scroll_box_headed_xingming(client):
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    page = client.get(reverse("accounts:staff_list")).content.decode()
    assert '<div class="table-wrap" tabindex="0"><table class="table">' in page
    assert '<th scope="col">姓名</th>' in page
    assert '<th scope="col">名称</th>' not in page


def test_the_sign_up_form_marks_the_privacy_consent_as_required(client):
    page = client.get(reverse("accounts:signup")).content.decode()
    label = page.split('for="id_consent"', 1)[1].split("</label>", 1)[0]
    assert 'class="required"' in label
