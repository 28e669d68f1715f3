"""The proposed team of a bid (拟派项目团队, issue 15): named from the bidding organization's active
members with a role, sealed with the price (nothing in clear before the opening), shown to the
bidder, written to `Bid.team` at the opening."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from core.models import Notification
from procurement.contracts.models.contracts import PersonnelRole
from procurement.models import Bid, TenderSealingKey
from procurement.tendering import sealing
from procurement.tendering.services.bids import bid_read_own, bid_replace, bid_submit, content_from_json
from procurement.tendering.team import TeamRole, bid_team_max_size
from tests.orgs.factories import member
from tests.procurement.bidding import bidder, close_and_open, published_tender

pytestmark = pytest.mark.django_db


def _submit(tender, organization, user, team):
    return bid_submit(
        actor=user,
        organization=organization,
        lot=tender.lots.get(),
        price="450000.00",
        proposal="服务方案：每周上门三次。",
        team=team,
    )


def test_the_team_limit_defaults_to_20_and_is_configurable(settings):
    assert bid_team_max_size() == 20
    settings.PROCUREMENT_BID_TEAM_MAX = 3
    assert bid_team_max_size() == 3


def test_team_roles_are_the_contract_personnel_roles():
    assert TeamRole.choices == PersonnelRole.choices


def test_the_team_is_sealed_until_the_opening_then_written():
    tender, _officer = published_tender()
    organization, user = bidder()
    worker = member(organization, display_name="社工李明")
    bid = _submit(tender, organization, user, [(worker.pk, "lead"), (user.pk, "social_worker")])
    bid.refresh_from_db()
    assert bid.team == []  # nothing in clear before the opening
    stored = Bid.objects.filter(pk=bid.pk).values_list("team", flat=True).get()
    assert stored == []
    assert "社工李明".encode() not in bytes(bid.ciphertext)
    # The ciphertext holds it: the tender's key unseals the team.
    key = TenderSealingKey.objects.get(tender=tender)
    plain = sealing.unseal(key, sealing.Sealed(bytes(bid.ciphertext), bytes(bid.nonce)), aad=bid.aad())
    team = json.loads(plain)["team"]
    assert [(e["user"], e["name"], e["role"]) for e in team] == [
        (worker.pk, "社工李明", "lead"),
        (user.pk, str(user), "social_worker"),
    ]
    assert bid_read_own(actor=user, bid=bid).team == team
    # Nor in the audit log or the notifications before the opening.
    logged = [(e.action, json.dumps([e.before, e.after], ensure_ascii=False)) for e in Event.objects.all()]
    assert ("bid.submit" in {action for action, _text in logged}) and not any(
        "社工李明" in text or (action.startswith("bid.") and "team" in text) for action, text in logged
    )
    assert not Notification.objects.filter(body__contains="社工李明").exists()
    close_and_open(tender)
    bid.refresh_from_db()
    assert bid.team == team and bid.price is not None


def test_an_old_payload_without_a_team_reads_as_empty():
    assert content_from_json(b'{"price": "1.00", "proposal": "x"}').team == []


@pytest.mark.parametrize("case", ["outsider", "duplicate", "role", "inactive", "too_many"])
def test_the_team_is_refused_unless_active_members_once_with_a_role(case, settings):
    tender, _officer = published_tender()
    organization, user = bidder()
    _other_org, outsider = bidder()
    inactive = member(organization, is_active=False)
    settings.PROCUREMENT_BID_TEAM_MAX = 2
    colleagues = [member(organization) for _ in range(2)]
    team = {
        "outsider": [(outsider.pk, "lead")],
        "duplicate": [(user.pk, "lead"), (user.pk, "other")],
        "role": [(user.pk, "boss")],
        "inactive": [(inactive.pk, "social_worker")],
        "too_many": [(user.pk, "lead"), *[(c.pk, "other") for c in colleagues]],
    }[case]
    with pytest.raises(ValidationError) as exc:
        _submit(tender, organization, user, team)
    assert exc.value.code == "team"
    assert not Bid.objects.exists()


def test_a_replacement_seals_its_own_team():
    tender, _officer = published_tender()
    organization, user = bidder()
    worker = member(organization)
    bid = _submit(tender, organization, user, [(user.pk, "lead")])
    new = bid_replace(
        actor=user, bid=bid, price="440000", proposal="新方案", team=[(worker.pk, "social_worker")]
    )
    assert [(e["user"], e["role"]) for e in bid_read_own(actor=user, bid=new).team] == [
        (worker.pk, "social_worker")
    ]
    close_and_open(tender)
    new.refresh_from_db()
    assert [(e["user"], e["role"]) for e in new.team] == [(worker.pk, "social_worker")]


def test_the_bid_form_names_the_team_and_the_bid_page_shows_it(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    worker = member(organization, display_name="社工王芳")
    client.force_login(user)
    url = reverse("procurement:bid_submit", args=[tender.pk])
    form_page = client.get(url).content.decode()
    assert f'name="team-m{worker.pk}"' in form_page and "社工王芳" in form_page
    response = client.post(
        url,
        {
            "organization": organization.pk,
            "lot": tender.lots.get().pk,
            "price": "450000.00",
            "proposal": "上门服务方案",
            f"team-m{worker.pk}": "lead",
            f"team-m{user.pk}": "",
        },
    )
    bid = Bid.objects.get()
    assert response.status_code == 302
    assert bid.team == []
    body = client.get(response.url).content.decode()
    assert "社工王芳" in body
    # The replacement form starts from the sealed team.
    replace_page = client.get(reverse("procurement:bid_replace", args=[bid.pk]))
    assert replace_page.context["team_form"][f"m{worker.pk}"].initial == "lead"


def test_the_bid_form_ignores_a_person_of_another_organization(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    _other, outsider = bidder()
    client.force_login(user)
    response = client.post(
        reverse("procurement:bid_submit", args=[tender.pk]),
        {
            "organization": organization.pk,
            "lot": tender.lots.get().pk,
            "price": "450000.00",
            "proposal": "上门服务方案",
            f"team-m{outsider.pk}": "lead",  # not a field of this organization's form: ignored
        },
    )
    assert response.status_code == 302
    assert bid_read_own(actor=user, bid=Bid.objects.get()).team == []
