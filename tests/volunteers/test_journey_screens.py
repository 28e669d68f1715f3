"""What the volunteer journey's browser test (tests/e2e/test_volunteer_certificate.py) showed on
screen, fixed and pinned here: a button is shown only when it can work (sign up, check in, cancel,
the hours queue), people's names are "姓名" and a need's role and venue read as such, and on a phone
the tables whose rows carry an action become cards (each cell labelled) instead of hiding the button
at the far end of a sideways-scrolling box."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, VolunteerFactory, social_worker
from tests.volunteers.helpers import served
from tests.volunteers.test_views import login
from volunteers.models import NeedSlot, SignUpStatus, SocialWorkerLevel
from volunteers.permissions import can_cancel_signup, can_check_in, may_verify_hours
from volunteers.services.certificates import certificate_issue
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = [ROOT / "volunteers" / "templates" / "volunteers", ROOT / "accounts" / "templates" / "accounts"]
HOURS_QUEUE = reverse("volunteers:hours_queue")


def move_slot(slot, *, starts_in: datetime.timedelta, length=datetime.timedelta(hours=3)) -> None:
    start = timezone.now() + starts_in
    NeedSlot.objects.filter(pk=slot.pk).update(starts_at=start, ends_at=start + length)
    slot.refresh_from_db()


# --- sign up ----------------------------------------------------------------------------------------


def test_a_volunteer_already_in_a_slot_sees_their_place_instead_of_the_sign_up_button(client):
    volunteer = VolunteerFactory()
    need = NeedFactory()
    slot = need.slots.get()
    login(client, volunteer.user)
    apply = reverse("volunteers:slot_apply", args=[slot.pk])
    assert (
        f'action="{apply}"' in client.get(reverse("volunteers:need_detail", args=[need.pk])).content.decode()
    )

    signup_apply(actor=volunteer.user, slot=slot)
    page = client.get(reverse("volunteers:need_detail", args=[need.pk])).content.decode()
    assert f'action="{apply}"' not in page
    assert "您已报名" in page and "已确认" in page
    assert f'href="{reverse("volunteers:me")}"' in page


def test_an_anonymous_visitor_is_offered_log_in_and_a_new_account_on_a_need(client):
    need = NeedFactory()
    page = client.get(reverse("volunteers:need_detail", args=[need.pk])).content.decode()
    assert f'href="{reverse("accounts:signup")}"' in page
    assert "登录后报名" in page


# --- check in, cancel ------------------------------------------------------------------------------


def test_check_in_is_offered_only_to_a_confirmed_volunteer_while_check_in_is_open(client):
    volunteer = VolunteerFactory()
    slot = NeedFactory().slots.get()
    signup = signup_apply(actor=volunteer.user, slot=slot)
    check_in = reverse("volunteers:check_in", args=[slot.pk])
    login(client, volunteer.user)

    # A week ahead: not yet (check-in opens 30 minutes before the slot); cancelling still works.
    assert not can_check_in(volunteer.user, signup)
    assert can_cancel_signup(volunteer.user, signup)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert check_in not in page
    assert reverse("volunteers:signup_cancel", args=[signup.pk]) in page

    # The slot has started: check in, no more cancelling (the service refuses it).
    move_slot(slot, starts_in=-datetime.timedelta(minutes=10))
    signup.refresh_from_db()
    assert can_check_in(volunteer.user, signup)
    assert not can_cancel_signup(volunteer.user, signup)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert check_in in page
    assert reverse("volunteers:signup_cancel", args=[signup.pk]) not in page

    # Nobody else checks in for them; a waitlisted or pending place cannot check in.
    assert not can_check_in(UserFactory(), signup)
    signup.status = SignUpStatus.WAITLISTED
    assert not can_check_in(volunteer.user, signup)


def test_check_in_closes_when_the_slot_ends(client):
    volunteer = VolunteerFactory()
    slot = NeedFactory().slots.get()
    signup = signup_apply(actor=volunteer.user, slot=slot)
    move_slot(slot, starts_in=-datetime.timedelta(hours=4))
    signup.refresh_from_db()
    assert not can_check_in(volunteer.user, signup)
    login(client, volunteer.user)
    assert (
        reverse("volunteers:check_in", args=[slot.pk])
        not in client.get(reverse("volunteers:me")).content.decode()
    )


# --- the hours queue --------------------------------------------------------------------------------


def test_the_hours_queue_is_linked_and_open_only_to_those_who_verify_hours(client):
    volunteer = VolunteerFactory()
    login(client, volunteer.user)
    assert not may_verify_hours(volunteer.user)
    assert f'href="{HOURS_QUEUE}"' not in client.get(reverse("volunteers:me")).content.decode()
    assert client.get(HOURS_QUEUE).status_code == 404

    for verifier in (member(OrganizationFactory()), social_worker().user):
        login(client, verifier)
        assert may_verify_hours(verifier)
        assert f'href="{HOURS_QUEUE}"' in client.get(reverse("volunteers:need_list")).content.decode()
        assert client.get(HOURS_QUEUE).status_code == 200


# --- words ------------------------------------------------------------------------------------------


def test_a_person_s_name_is_labelled_xingming_and_a_need_s_role_and_venue_read_as_such(client):
    need, volunteer, _record, _organizer = served()
    certificate = certificate_issue(
        actor=volunteer.user, volunteer=volunteer, department=need.project.department
    )
    login(client, volunteer.user)
    for url in (
        reverse("volunteers:me"),
        reverse("volunteers:certificate_detail", args=[certificate.number]),
        reverse("volunteers:certificate_verify") + f"?number={certificate.number}",
    ):
        page = client.get(url).content.decode()
        assert "<dt>姓名</dt>" in page, url
        assert "<dt>名称</dt>" not in page, url
    page = client.get(reverse("volunteers:need_detail", args=[need.pk])).content.decode()
    assert "<dt>岗位</dt>" in page and "<dt>服务地点</dt>" in page
    assert "<dt>住所</dt>" not in page and "<dt>角色</dt>" not in page


def test_the_public_check_says_valid_in_its_own_highlighted_box(client):
    need, volunteer, _record, _organizer = served()
    certificate = certificate_issue(
        actor=volunteer.user, volunteer=volunteer, department=need.project.department
    )
    page = client.get(
        reverse("volunteers:certificate_verify") + f"?number={certificate.number}"
    ).content.decode()
    assert 'class="result" role="status"' in page
    assert "volunteers/volunteers.css" in page  # where .result is styled


# --- tables -----------------------------------------------------------------------------------------


def _table_starts(text: str):
    depth = 0
    for match in re.finditer(r"<table\b[^>]*>|</table>", text):
        if match.group() == "</table>":
            depth -= 1
            continue
        if depth == 0:
            yield match
        depth += 1


def test_every_table_of_volunteering_and_accounts_scrolls_in_a_box_reachable_by_keyboard():
    """At 375 px a wrapped table scrolls inside its box; axe (scrollable-region-focusable) wants the
    box focusable when the table holds no link or button, as an empty list or a certificate does."""
    bare = []
    for directory in TEMPLATES:
        for path in sorted(directory.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            for match in _table_starts(text):
                if not text[: match.start()].rstrip().endswith('<div class="table-wrap" tabindex="0">'):
                    bare.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert bare == []


STACKED = {
    "need_detail.html": 1,  # sign up
    "me.html": 2,  # check in, cancel; check out, correction
    "hours_queue.html": 1,  # verify, reject
    "manage_need.html": 2,  # the check-in code and its QR page; approve, enter hours
    "manage_needs.html": 1,  # insurance, cancel
    "certificate.html": 1,  # the hours column would be off screen
}


@pytest.mark.parametrize("name", sorted(STACKED))
def test_tables_with_an_action_in_each_row_become_cards_on_a_phone(name):
    text = (TEMPLATES[0] / name).read_text(encoding="utf-8")
    assert text.count('<table class="table stacked">') == STACKED[name]
    assert '{% include "volunteers/_head.html" %}' in text
    for match in re.finditer(r'<table class="table stacked">(.*?)</table>', text, re.S):
        # every data cell but the last (the actions) says what it is when the header is hidden
        for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
            cells = re.findall(r"<td\b[^>]*>", row)
            if len(cells) > 1:
                assert all("data-label" in cell for cell in cells[:-1]), (name, row[:120])
    css = (ROOT / "volunteers" / "static" / "volunteers" / "volunteers.css").read_text(encoding="utf-8")
    assert ".table.stacked" in css and "attr(data-label)" in css


# --- words another catalogue used to win (check_translations --conflicts) ------------------------


def test_volunteering_words_are_not_taken_from_accounts_or_procurement(client):
    """ "Sign up" to a slot is 报名 (an account's is 注册); a volunteer's qualifications are 资质;
    hours are 不予认定 when rejected; a sign-up is 拒绝 when refused; the middle social-work title
    is 社会工作师 (the role is 社会工作者)."""
    need, _volunteer, _record, organizer = served(verify=False)
    fresh = NeedFactory(project=need.project, requires_approval=True)
    other = VolunteerFactory()
    signup_apply(actor=other.user, slot=fresh.slots.get())

    login(client, other.user)
    page = client.get(reverse("volunteers:need_detail", args=[NeedFactory().pk])).content.decode()
    assert re.search(r'<button type="submit" class="button primary">报名</button>', page)
    assert "<h2>资质</h2>" in client.get(reverse("volunteers:me")).content.decode()

    login(client, organizer)
    assert ">不予认定</button>" in client.get(HOURS_QUEUE).content.decode()
    page = client.get(reverse("volunteers:manage_need", args=[fresh.pk])).content.decode()
    assert ">拒绝</button>" in page

    with translation.override("zh-hans"):
        assert str(SocialWorkerLevel.SOCIAL_WORKER.label) == "社会工作师"
        assert str(SocialWorkerLevel.ASSISTANT.label) == "助理社会工作师"


def test_the_organizer_is_offered_manual_hours_only_once_the_slot_has_started(client):
    """The service refuses hours before the slot starts; each form's field has its own id."""
    need = NeedFactory()
    slot = need.slots.get()
    signups = [signup_apply(actor=VolunteerFactory().user, slot=slot) for _ in range(2)]
    organizer = UserFactory(department=need.project.department)
    login(client, organizer)
    url = reverse("volunteers:manage_need", args=[need.pk])
    manual = [reverse("volunteers:manual_hours", args=[s.pk]) for s in signups]
    page = client.get(url).content.decode()
    assert not any(m in page for m in manual)

    move_slot(slot, starts_in=-datetime.timedelta(minutes=5))
    page = client.get(url).content.decode()
    assert all(m in page for m in manual)
    ids = re.findall(r'<input id="([^"]+)" name="minutes"', page)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(f'<label for="{i}">' in page for i in ids)
